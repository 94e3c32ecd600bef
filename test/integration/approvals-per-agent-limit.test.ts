// One agent cannot flood approvers' channels and inboxes: it may create at most
// COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE approvals a minute (tool calls that wait for a person and
// approvals it asks for itself alike). Past it: 429 rate_limited with Retry-After, nothing created, and
// other agents unaffected. The count is the database's, so every replica enforces the same limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

describe(`approvals per agent per minute (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let otherKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({
      onlyYaml: gatewayYaml(tools.url),
      env: { COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE: "5" },
    });
    [agentKey, otherKey, ana] = await Promise.all([
      t.agentKey("support-bot"),
      t.agentKey("other-bot"),
      t.operatorKey("ana@example.com"),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const refund = (key: string, i: number) =>
    t.call("POST", "/v1/tool-calls", {
      key,
      body: { tool: "refund.issue", input: { ticket: `T-${i}`, amount: 1 } },
    });
  const ask = (key: string) => t.call("POST", "/v1/approvals", { key, body: { action: "deploy.web" } });
  const approvalsOf = async (agent: string) =>
    (await t.call("GET", `/v1/approvals?status=all&agent=${agent}&limit=100`, { key: ana })).body.items
      .length;

  it("refuses the approvals past the limit with 429 and Retry-After, even when sent at once", async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => refund(agentKey, i)),
      ask(agentKey),
      ask(agentKey),
    ]);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 202 || s === 201)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect(r.body.error.code).toBe("rate_limited");
      expect(r.body.error.message).toContain("COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE");
      expect(r.body.error.retryAfterSeconds).toBeGreaterThan(0);
      expect(r.body.error.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    expect(await approvalsOf("support-bot")).toBe(5);
  });

  it("answers the Retry-After header, and leaves other agents alone", async () => {
    const res = await fetch(`${t.url}/v1/approvals`, {
      method: "POST",
      headers: { authorization: `Bearer ${agentKey}`, "content-type": "application/json" },
      body: JSON.stringify({ action: "deploy.web" }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await ask(otherKey)).status).toBe(201);
  });
});
