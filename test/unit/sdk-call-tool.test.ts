// The SDK's callTool against the real server and a local tool endpoint: it settles when the call ran,
// throws ToolCallDeniedError when refused (by policy or by the approval's timeout), replays by key, and
// stops waiting when its signal aborts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Countersign, ToolCallDeniedError } from "../../sdk/index.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

describe(`SDK callTool (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agent: Countersign;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: gatewayYaml(tools.url) });
    agent = new Countersign({ baseUrl: t.url, apiKey: await t.agentKey("support-bot") });
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  it("answers an allowed call with the tool's result", async () => {
    tools.behave("/triage", { body: { queue: "billing", priority: "p2" } });
    const call = await agent.callTool<{ queue: string }>("ticket.triage", { ticket: "T-1" });
    expect(call).toMatchObject({ status: "succeeded", tool: "ticket.triage", result: { queue: "billing" } });
    expect(call.id).toMatch(/^call-/);
    expect(call.result.queue).toBe("billing");
  });

  it("replays a call by idempotency key without calling the tool again", async () => {
    const first = await agent.callTool("ledger.write", { entry: 7 }, { idempotencyKey: "sdk-1" });
    const second = await agent.callTool("ledger.write", { entry: 7 }, { idempotencyKey: "sdk-1" });
    expect(second.id).toBe(first.id);
    expect(tools.count("/ledger")).toBe(1);
  });

  it("throws ToolCallDeniedError with reason timeout when nobody decides in time", async () => {
    const err = await agent.callTool("quick.check", { what: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolCallDeniedError);
    expect(err).toMatchObject({ code: "denied", reason: "timeout", policy: "ops", rule: 3 });
    expect(err.approvalId).toBe(`approval-${err.callId}`);
  });

  it("rejects with an AbortError when the signal aborts while the call waits for approval", async () => {
    const controller = new AbortController();
    const waiting = agent
      .callTool("refund.issue", { ticket: "T-A", amount: 1 }, { signal: controller.signal })
      .catch((e) => e);
    while (t.app.gateway.hub.size === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect((await waiting).name).toBe("AbortError");
  });
});
