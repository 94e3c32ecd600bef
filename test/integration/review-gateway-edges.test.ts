// Review findings on the agents' edge of the gateway: input PostgreSQL cannot store is refused with a
// 400 naming the field before any tool runs; a tool's answer PostgreSQL cannot store still records the
// call once; credentials in a Tool's endpoint URL never reach the agent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const V = "apiVersion: countersign.dev/v1alpha1";
// A tool whose endpoint URL carries basic-auth credentials, on a port nothing listens on.
const vaultYaml = `${V}
kind: Tool
metadata: { name: vault.write }
spec:
  type: rest
  endpoint: { url: "http://svc-user:hunter2-secret@127.0.0.1:1/vault", method: POST, timeoutMs: 1000 }
  sideEffects: { level: external_write, idempotent: false, requiresApproval: false }
---
${V}
kind: Policy
metadata: { name: vault }
spec:
  rules:
    - { when: { tool.name: vault.write }, action: allow }`;

describe(`gateway edges found in review (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: `${gatewayYaml(tools.url)}\n---\n${vaultYaml}` });
    [agentKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const post = (body: unknown) => t.call("POST", "/v1/tool-calls", { key: agentKey, body });

  it("refuses a NUL character in a tool call's input with 400 naming the field, and runs nothing", async () => {
    const res = await post({ tool: "ticket.triage", input: { note: "a\u0000b" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("bad_request");
    expect(res.body.error.message).toBe("input.note: must not contain the NUL character (\\u0000)");
    expect(tools.count("/triage")).toBe(0);
  });

  it("refuses NUL characters in keys, idempotency keys, contexts and rationales with 400", async () => {
    const key = await post({ tool: "ticket.triage", input: { "a\u0000": 1 } });
    expect(key.status).toBe(400);
    const idem = await post({ tool: "ticket.triage", input: {}, idempotencyKey: "k\u0000" });
    expect(idem.body.error.message).toBe("idempotencyKey: must not contain the NUL character (\\u0000)");
    const approval = await t.call("POST", "/v1/approvals", {
      key: agentKey,
      body: { action: "deploy.web", context: { items: ["ok", "\u0000"] } },
    });
    expect(approval.status).toBe(400);
    expect(approval.body.error.message).toBe("context.items.1: must not contain the NUL character (\\u0000)");

    const waiting = await post({ tool: "refund.issue", input: { ticket: "T-1", amount: 1 } });
    expect(waiting.status).toBe(202);
    const decided = await t.call("POST", `/v1/approvals/${waiting.body.approvalId}`, {
      key: ana,
      body: { decision: "reject", rationale: "no\u0000" },
    });
    expect(decided.status).toBe(400);
    expect(decided.body.error.message).toBe("rationale: must not contain the NUL character (\\u0000)");
    // Nothing was recorded: the approval still waits.
    const after = await t.call("GET", `/v1/approvals/${waiting.body.approvalId}`, { key: ana });
    expect(after.body.status).toBe("pending");
  });

  it("answers 400, not 500, to a NUL character in a path or query parameter or a crafted cursor", async () => {
    const byId = await t.call("GET", "/v1/approvals/approval-%00", { key: ana });
    expect(byId.status).toBe(400);
    expect(byId.body.error.message).toBe("id: must not contain the NUL character (\\u0000)");
    const byQuery = await t.call("GET", "/v1/approvals?agent=a%00b", { key: ana });
    expect(byQuery.status).toBe(400);
    expect(byQuery.body.error.message).toBe("agent: must not contain the NUL character (\\u0000)");
    const cursor = Buffer.from(JSON.stringify({ k: new Date().toISOString(), id: "x\u0000" })).toString(
      "base64url",
    );
    const byCursor = await t.call("GET", `/v1/approvals?cursor=${cursor}`, { key: ana });
    expect(byCursor.status).toBe(400);
    expect(byCursor.body.error.message).toBe("cursor is not one this server handed out");
  });

  it("records a tool's answer that holds a NUL character (idempotent tool, run in the request)", async () => {
    tools.behave("/triage", { body: { note: "a\u0000b" } });
    const res = await post({ tool: "ticket.triage", input: {} });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("succeeded");
    expect(res.body.result).toEqual({ note: "a\uFFFDb" });
    expect(tools.count("/triage")).toBe(1);
    const stored = await t.call("GET", `/v1/tool-calls/${res.body.id}`, { key: agentKey });
    expect(stored.body).toMatchObject({ status: "succeeded", result: { note: "a\uFFFDb" } });
  });

  it("records a tool's answer that holds a NUL character (not idempotent: sent once, succeeded)", async () => {
    tools.behave("/ledger", { body: { "id\u0000": "x\u0000" } });
    const res = await post({ tool: "ledger.write", input: { entry: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", result: { "id\uFFFD": "x\uFFFD" } });
    expect(tools.count("/ledger")).toBe(1);
  });

  it("never shows the credentials of a Tool's endpoint URL to the agent", async () => {
    const res = await post({ tool: "vault.write", input: {} });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("failed");
    expect(res.body.reason).toBe("unreachable");
    expect(res.body.error).toContain("http://127.0.0.1:1/vault");
    expect(JSON.stringify(res.body)).not.toContain("hunter2");
    expect(JSON.stringify(res.body)).not.toContain("svc-user");
  });
});
