// Whatever a tool answers, its call ends with that answer recorded: an answer the database cannot hold as
// it is (a lone UTF-16 surrogate, JSON nested thousands of levels deep) must not leave the call
// `executing` (later outcome_unknown, or sent again), nor answer the agent 500 (inviting a blind retry of
// a call that already acted).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { toolYaml } from "../helpers/resource-yaml.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const LONE_SURROGATE = '{"note":"ab\\ud83d","refundId":"R-9"}';
const deeplyNested = (levels: number) => `{"deep":${"[".repeat(levels)}1${"]".repeat(levels)}}`;

describe(`tool answers are always recorded (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    // An idempotent tool that still needs a person: financial, so the reference policy routes it.
    const payout = toolYaml(
      "payout.retry",
      `  type: rest\n  endpoint: { url: "${tools.url}/payout", method: POST, timeoutMs: 2000 }\n` +
        "  sideEffects: { level: financial, idempotent: true, requiresApproval: true }\n",
    );
    t = await startTestApp({ onlyYaml: `${gatewayYaml(tools.url)}---\n${payout}\n` });
    [agentKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const call = (tool: string, input: unknown) =>
    t.call("POST", "/v1/tool-calls", { key: agentKey, body: { tool, input } });
  const read = (id: string) => t.call("GET", `/v1/tool-calls/${id}`, { key: agentKey });

  it("an allowed non-idempotent call answered with a lone surrogate succeeds, its answer kept", async () => {
    tools.behave("/ledger", { raw: LONE_SURROGATE });
    const before = tools.count("/ledger");
    const res = await call("ledger.write", { entry: "E-1" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", result: { refundId: "R-9" } });
    expect(res.body.result.note).toMatch(/^ab/);
    const stored = await read(res.body.id);
    expect(stored.body).toMatchObject({ status: "succeeded", result: { note: "ab\uFFFD", refundId: "R-9" } });
    expect(tools.count("/ledger") - before).toBe(1);
  });

  it("an allowed non-idempotent call answered with JSON nested 10,000 deep succeeds, its answer kept", async () => {
    const answer = deeplyNested(10_000);
    tools.behave("/ledger", { raw: answer });
    const before = tools.count("/ledger");
    const res = await call("ledger.write", { entry: "E-2" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", result: { unparsed: answer } });
    const stored = await read(res.body.id);
    expect(stored.body.status).toBe("succeeded");
    // Too deep to store as JSON: kept as the text the tool sent, and said so.
    expect(stored.body.result).toEqual({ unparsed: answer, note: expect.stringContaining("256 levels") });
    expect(stored.body.error).toBeNull();
    expect(tools.count("/ledger") - before).toBe(1);
  });

  it("an allowed idempotent call answered with a lone surrogate succeeds, sent once", async () => {
    tools.behave("/triage", { raw: LONE_SURROGATE });
    const res = await call("ticket.triage", { ticket: "T-7" });
    expect(res.status).toBe(200);
    const stored = await read(res.body.id);
    expect(stored.body).toMatchObject({ status: "succeeded", result: { note: "ab\uFFFD", refundId: "R-9" } });
    expect(tools.count("/triage")).toBe(1);
  });

  it("an approved idempotent call answered with a lone surrogate reaches its tool exactly once", async () => {
    tools.behave("/payout", { raw: LONE_SURROGATE });
    const started = await call("payout.retry", { payout: "P-1" });
    expect(started.status).toBe(202);
    const decided = await t.call("POST", `/v1/approvals/${started.body.approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "checked" },
    });
    expect(decided.status).toBe(200);
    let finished = await read(`${started.body.id}?wait=30`);
    for (let i = 0; finished.body.status !== "succeeded" && i < 10; i++) {
      finished = await read(`${started.body.id}?wait=30`);
    }
    expect(finished.body).toMatchObject({
      status: "succeeded",
      result: { note: "ab\uFFFD", refundId: "R-9" },
    });
    // Long enough for a recovery pass to have re-sent a call stuck in executing.
    await new Promise((r) => setTimeout(r, 300));
    expect(tools.count("/payout")).toBe(1);
  });
});
