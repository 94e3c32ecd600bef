// A tool that takes longer than a call's lease, in a process that is alive: the lease is renewed while
// the request runs, so the recovery pass (here every 100 ms) neither marks a running non-idempotent call
// outcome_unknown nor sends a running idempotent call again. The lease only lapses when the process does.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolCalls } from "../../db/schema.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { prodAgentYaml, resourcesYaml, toolYaml } from "../helpers/resource-yaml.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const LEASE_MS = 1_000;
const TOOL_MS = 3_000;

describe(`tool calls longer than their lease (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    const rest = (path: string, level: string, idempotent: boolean) =>
      `  type: rest\n  endpoint: { url: "${tools.url}${path}", method: POST, timeoutMs: 20000 }\n` +
      `  sideEffects: { level: ${level}, idempotent: ${idempotent}, requiresApproval: false }\n`;
    const yaml = resourcesYaml(
      toolYaml("export.run", rest("/export", "external_write", false)),
      toolYaml("payout.retry", rest("/payout", "financial", true)),
      `apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: long-calls }
spec:
  rules:
    - { when: { tool.name: export.run }, action: allow }
    - when: { tool.name: payout.retry }
      require: { approvalRouting: { approvers: [user:ana@example.com], timeoutMinutes: 60, onTimeout: deny } }`,
      prodAgentYaml("support-bot"),
    );
    t = await startTestApp({
      onlyYaml: yaml,
      app: { gateway: { executor: { leaseMs: LEASE_MS, recoveryIntervalMs: 100 } } },
    });
    [agentKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const call = (tool: string, input: unknown) =>
    t.call("POST", "/v1/tool-calls", { key: agentKey, body: { tool, input } });

  it("an allowed non-idempotent call still running past its lease ends with the tool's answer", async () => {
    tools.behave("/export", { delayMs: TOOL_MS, body: { exported: 42 } });
    const answer = call("export.run", { report: "Q3" });
    // What another replica's recovery reads: the lease stays ahead of the clock while the tool works.
    await tools.waitForRequest("/export");
    const sent = Date.now();
    for (const at of [LEASE_MS * 1.5, TOOL_MS - 300]) {
      await new Promise((r) => setTimeout(r, Math.max(0, at - (Date.now() - sent))));
      const [row] = await t.database.db
        .select({ leaseUntil: toolCalls.leaseUntil, status: toolCalls.status })
        .from(toolCalls)
        .where(eq(toolCalls.tool, "export.run"));
      expect(row!.status).toBe("executing");
      expect(row!.leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    }
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", result: { exported: 42 }, attempts: 1 });
    const stored = await t.call("GET", `/v1/tool-calls/${res.body.id}`, { key: agentKey });
    expect(stored.body.status).toBe("succeeded");
    expect(tools.count("/export")).toBe(1);
  });

  it("an approved idempotent call still running past its lease is sent once", async () => {
    tools.behave("/payout", { delayMs: TOOL_MS, body: { paid: true } });
    const started = await call("payout.retry", { payout: "P-7" });
    expect(started.status).toBe(202);
    const decided = await t.call("POST", `/v1/approvals/${started.body.approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "ok" },
    });
    expect(decided.status).toBe(200);
    let done = await t.call("GET", `/v1/tool-calls/${started.body.id}?wait=30`, { key: agentKey });
    for (let i = 0; ["waiting_for_approval", "executing"].includes(done.body.status) && i < 5; i++) {
      done = await t.call("GET", `/v1/tool-calls/${started.body.id}?wait=30`, { key: agentKey });
    }
    expect(done.body).toMatchObject({ status: "succeeded", result: { paid: true }, attempts: 1 });
    expect(tools.count("/payout")).toBe(1);
  });
});
