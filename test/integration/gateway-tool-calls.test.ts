// The agents' gateway on the real server and database, with tools served by a local HTTP endpoint:
// the walkthrough's point (only the refund waits), denials, idempotency keys, execution outcomes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Countersign, ToolCallDeniedError } from "../../sdk/index.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

describe(`gateway tool calls (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let ana: string;
  let agent: Countersign;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: gatewayYaml(tools.url) });
    [agentKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
    agent = new Countersign({ baseUrl: t.url, apiKey: agentKey });
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const approve = (approvalId: string, decision = "approve") =>
    t.call("POST", `/v1/approvals/${approvalId}`, { key: ana, body: { decision, rationale: "checked" } });

  it("keeps triaging while the refund waits, and sends the refund exactly once after approval", async () => {
    tools.behave("/refunds", { body: { refundId: "R-1", status: "issued" } });
    const started = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { tool: "refund.issue", input: { ticket: "T-1042", amount: 129.5 } },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: "waiting_for_approval",
      policy: "financial-actions-require-approval",
    });
    const { id, approvalId } = started.body;
    expect(approvalId).toBe(`approval-${id}`);
    const refund = agent.getToolCall(id, { wait: 30 });

    for (let i = 0; i < 100; i++) {
      const triaged = await agent.callTool("ticket.triage", { ticket: `T-${i}` });
      expect(triaged).toMatchObject({ status: "succeeded", result: { received: { ticket: `T-${i}` } } });
    }
    expect(tools.count("/triage")).toBe(100);
    expect(tools.count("/refunds")).toBe(0);
    expect((await t.call("GET", `/v1/tool-calls/${id}`, { key: agentKey })).body.status).toBe(
      "waiting_for_approval",
    );

    expect((await approve(approvalId)).status).toBe(200);
    // The long-poll that started before the 100 triage calls answers with the next status.
    expect((await refund).status).not.toBe("waiting_for_approval");
    expect(await settle(id)).toMatchObject({
      status: "succeeded",
      result: { refundId: "R-1", status: "issued" },
      attempts: 1,
    });
    expect(tools.count("/refunds")).toBe(1);
    expect(tools.requests.find((r) => r.path === "/refunds")).toMatchObject({
      method: "POST",
      body: { ticket: "T-1042", amount: 129.5 },
    });
    // A non-idempotent tool gets no Idempotency-Key (it is never retried); the idempotent triage does.
    expect(tools.requests.find((r) => r.path === "/refunds")!.headers["idempotency-key"]).toBeUndefined();
    expect(tools.requests.find((r) => r.path === "/triage")!.headers["idempotency-key"]).toMatch(/^call-/);
  });

  it("resumes callTool when approved, and throws ToolCallDeniedError when rejected", async () => {
    tools.behave("/refunds", { body: { refundId: "R-2" } });
    const approved = agent.callTool("refund.issue", { ticket: "T-2", amount: 5 });
    // Caught at once: it may be rejected while the approved one is still being awaited.
    const rejected = agent.callTool("refund.issue", { ticket: "T-3", amount: 6 }).catch((e: unknown) => e);
    const pending = await waitForPending(2);
    const byTicket = (a: { input: { ticket: string } }, b: { input: { ticket: string } }) =>
      a.input.ticket < b.input.ticket ? -1 : 1;
    const [first, second] = pending.sort(byTicket);
    await approve(first.id);
    await approve(second.id, "reject");
    expect(await approved).toMatchObject({ status: "succeeded", result: { refundId: "R-2" } });
    const err = await rejected;
    expect(err).toBeInstanceOf(ToolCallDeniedError);
    expect(err).toMatchObject({ code: "denied", reason: "rejected", decidedBy: "ana@example.com" });
  });

  it("settles a decision tool on approval without any HTTP call", async () => {
    const before = tools.requests.length;
    const confirm = agent.callTool("refund.confirm", { ticket: "T-9" });
    const [pending] = await waitForPending(1);
    await approve(pending!.id);
    expect(await confirm).toMatchObject({
      status: "succeeded",
      result: { approved: true, decision: { decision: "approve", decidedBy: "ana@example.com" } },
    });
    expect(tools.requests.length).toBe(before);
  });

  it("answers a policy denial with 403, naming the policy, rule and reason", async () => {
    const denied = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { tool: "shell.exec", input: {} },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: "denied", reason: "policy", policy: "ops", rule: 1 });
    expect(denied.body.error.id).toMatch(/^call-/);
    const unrouted = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { tool: "mail.send", input: {} },
    });
    expect(unrouted.status).toBe(403);
    expect(unrouted.body.error).toMatchObject({
      code: "denied",
      reason: "no_policy",
      policy: null,
      rule: null,
    });
    const err = await agent.callTool("shell.exec", {}).catch((e) => e);
    expect(err).toBeInstanceOf(ToolCallDeniedError);
    expect(err).toMatchObject({ reason: "policy", policy: "ops", rule: 1 });
    expect(tools.count("/shell") + tools.count("/mail")).toBe(0);
  });

  it("returns the first call for a repeated idempotency key, and 422 for the same key with another body", async () => {
    const body = { tool: "ledger.write", input: { entry: 1 }, idempotencyKey: "ledger-1" };
    const first = await t.call("POST", "/v1/tool-calls", { key: agentKey, body });
    expect(first).toMatchObject({ status: 200, body: { status: "succeeded" } });
    const again = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { ...body, input: { entry: 1 } },
    });
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, status: "succeeded" } });
    expect(tools.count("/ledger")).toBe(1);

    const reused = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { ...body, input: { entry: 2 } },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error).toMatchObject({ code: "idempotency_key_reused", id: first.body.id });
    expect(tools.count("/ledger")).toBe(1);

    // Another agent's key space is its own.
    const other = await t.call("POST", "/v1/tool-calls", { key: await t.agentKey("other-bot"), body });
    expect(other.status).toBe(200);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it("runs a key once when identical requests race", async () => {
    const body = { tool: "ledger.write", input: { entry: "race" }, idempotencyKey: "ledger-race" };
    const before = tools.count("/ledger");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.call("POST", "/v1/tool-calls", { key: agentKey, body })),
    );
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.map((a) => a.body.status)).toEqual(Array(8).fill("succeeded"));
    expect(tools.count("/ledger")).toBe(before + 1);

    const approvals = await Promise.all(
      Array.from({ length: 4 }, () =>
        t.call("POST", "/v1/tool-calls", {
          key: agentKey,
          body: { tool: "refund.issue", input: { ticket: "T-R", amount: 1 }, idempotencyKey: "refund-race" },
        }),
      ),
    );
    expect(approvals.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(approvals.map((a) => a.body.approvalId)).size).toBe(1);
  });

  it("records a tool's HTTP error as failed with its status and body, retrying only an idempotent tool", async () => {
    tools.behave("/ledger", { status: 500, body: { error: "ledger down" } });
    tools.behave("/flaky", { status: 503, body: "busy" });
    const ledgerBefore = tools.count("/ledger");
    const ledger = await agent.callTool("ledger.write", { entry: "x" });
    expect(ledger).toMatchObject({
      status: "failed",
      reason: "tool_error",
      result: { status: 500, body: { error: "ledger down" } },
    });
    expect(tools.count("/ledger")).toBe(ledgerBefore + 1);

    const flaky = await agent.callTool("flaky.read", { q: 1 });
    expect(flaky).toMatchObject({ status: "failed", attempts: 3, result: { status: 503 } });
    const sent = tools.requests.filter((r) => r.path === "/flaky");
    expect(sent).toHaveLength(3);
    // Every retry carries the same Idempotency-Key: the call id.
    expect(new Set(sent.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([flaky.id]));
    tools.behave("/ledger", {});
  });

  it("never resends a non-idempotent call that timed out: it is outcome_unknown", async () => {
    tools.behave("/ledger", { hang: true });
    const before = tools.count("/ledger");
    const call = await agent.callTool("ledger.write", { entry: "slow" });
    expect(call).toMatchObject({ status: "outcome_unknown", reason: "timeout" });
    expect(call.error).toContain("never sent twice");
    expect(tools.count("/ledger")).toBe(before + 1);
    tools.behave("/ledger", {});
  });

  /** Long-polls the call until it leaves waiting and executing (a few rounds at most). */
  async function settle(id: string) {
    let call = (await t.call("GET", `/v1/tool-calls/${id}`, { key: agentKey })).body;
    for (let round = 0; round < 5 && ["waiting_for_approval", "executing"].includes(call.status); round++) {
      call = (await t.call("GET", `/v1/tool-calls/${id}?wait=10`, { key: agentKey })).body;
    }
    return call;
  }

  /** Waits until n refund approvals are pending in the queue (bounded). */
  async function waitForPending(n: number) {
    for (let i = 0; i < 100; i++) {
      const { body } = await t.call("GET", "/v1/approvals?status=pending", { key: ana });
      if (body.items.length >= n) return body.items;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`fewer than ${n} pending approvals`);
  }
});
