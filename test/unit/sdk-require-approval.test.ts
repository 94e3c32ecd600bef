// The SDK against the real server: requireApproval resolves, rejects or times out with the decision, an
// aborted signal cancels the long-poll in flight, and defaults come from the environment.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ApprovalRejectedError,
  ApprovalTimeoutError,
  Countersign,
  CountersignError,
  requireApproval,
} from "../../sdk/index.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";

describe(`SDK requireApproval (${backend})`, () => {
  let t: TestApp;
  let apiKey: string;
  let ana: string;

  beforeAll(async () => {
    t = await startTestApp({ onlyYaml: gatewayYaml("http://127.0.0.1:9") });
    [apiKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
  });
  afterAll(() => t?.close());
  afterEach(() => {
    delete process.env.COUNTERSIGN_URL;
    delete process.env.COUNTERSIGN_KEY;
  });

  /** The id of the pending approval for `action` once the SDK created it (bounded wait). */
  async function pendingFor(action: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const { body } = await t.call("GET", "/v1/approvals?status=pending", { key: ana });
      const found = body.items.find((a: { action: string }) => a.action === action);
      if (found) return found.id;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no pending approval for ${action}`);
  }

  const decide = (id: string, decision: "approve" | "reject", rationale: string) =>
    t.call("POST", `/v1/approvals/${id}`, { key: ana, body: { decision, rationale } });

  it("resolves within milliseconds of the approval", async () => {
    const waiting = requireApproval("deploy.api", { baseUrl: t.url, apiKey, context: { version: "7" } });
    const id = await pendingFor("deploy.api");
    // Let the long-poll register before deciding.
    while (t.app.gateway.hub.size === 0) await new Promise((r) => setTimeout(r, 5));
    const decided = await decide(id, "approve", "ship it");
    const decidedAt = Date.now();
    const approval = await waiting;
    expect(Date.now() - decidedAt).toBeLessThan(250);
    expect(decided.status).toBe(200);
    expect(approval).toMatchObject({
      id,
      status: "approved",
      context: { version: "7" },
      decision: { decision: "approve", decidedBy: "ana@example.com", rationale: "ship it" },
    });
  });

  it("throws ApprovalRejectedError with the reason and who decided", async () => {
    const waiting = requireApproval("deploy.db", { baseUrl: t.url, apiKey }).catch((e) => e);
    await decide(await pendingFor("deploy.db"), "reject", "not during the freeze");
    const err = await waiting;
    expect(err).toBeInstanceOf(ApprovalRejectedError);
    expect(err).toMatchObject({ reason: "not during the freeze", decidedBy: "ana@example.com" });
  });

  it("throws ApprovalTimeoutError when nobody decides before timeoutMs", async () => {
    const started = Date.now();
    const err = await requireApproval("deploy.cache", { baseUrl: t.url, apiKey, timeoutMs: 300 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ApprovalTimeoutError);
    expect(err.approval).toMatchObject({ status: "expired", decision: { kind: "timeout" } });
    // The waiter expires it at its deadline rather than at the sweeper's next run.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("rejects with an AbortError when the signal aborts, and the server drops the waiter", async () => {
    const controller = new AbortController();
    const waiting = requireApproval("deploy.web", {
      baseUrl: t.url,
      apiKey,
      signal: controller.signal,
    }).catch((e) => e);
    await pendingFor("deploy.web");
    while (t.app.gateway.hub.size === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await waiting;
    expect(err).toBeInstanceOf(DOMException);
    expect(err.name).toBe("AbortError");
    // The long-poll request was cancelled, not left to run out its 25 seconds.
    for (let i = 0; i < 100 && t.app.gateway.hub.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.gateway.hub.size).toBe(0);
  });

  it("takes its URL and key from COUNTERSIGN_URL and COUNTERSIGN_KEY", async () => {
    process.env.COUNTERSIGN_URL = t.url;
    process.env.COUNTERSIGN_KEY = apiKey;
    const waiting = requireApproval("deploy.env");
    await decide(await pendingFor("deploy.env"), "approve", "ok");
    expect((await waiting).status).toBe("approved");
  });

  it("surfaces API refusals as CountersignError with the API's code", async () => {
    const err = await requireApproval("coffee.order", { baseUrl: t.url, apiKey }).catch((e) => e);
    expect(err).toBeInstanceOf(CountersignError);
    expect(err).toMatchObject({ code: "no_route", status: 422 });
    const badKey = await new Countersign({ baseUrl: t.url, apiKey: "nope" })
      .createApproval("deploy.x")
      .catch((e) => e);
    expect(badKey).toMatchObject({ code: "unauthorized", status: 401 });
    expect(() => new Countersign({ baseUrl: t.url })).toThrow(/COUNTERSIGN_KEY/);
  });
});
