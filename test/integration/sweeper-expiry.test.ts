// Expiry by the sweeper, on the real server and database with a manual clock: the exact boundary, what
// an expiry does (timeout decision, denied call, woken waiters, refreshed cards, audit), a platform that
// is down, a timer that fails, and the onTimeout field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../bot/logger.ts";
import { Sweeper } from "../../bot/sweeper.ts";
import { parseResourceFiles, ResourceError } from "../../gateway/resources/load.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import { ManualClock } from "../../handlers/clock.ts";
import type { TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import {
  deliveriesOf,
  MINUTE,
  quietApp,
  recordingDispatcher,
  type SeededCall,
  seedCall,
  toolCallOf,
} from "../helpers/sweeper-fixtures.ts";

describe(`sweeper: expiry (${backend})`, () => {
  const clock = new ManualClock(new Date("2030-01-01T09:00:00.000Z"));
  let t: TestApp;
  let ana: string;

  beforeAll(async () => {
    t = await quietApp({ clock });
    ana = await t.operatorKey("ana@example.com");
  });
  afterAll(() => t.close());

  it("expires at expiresAt and not a millisecond before, denying the call and refreshing every card", async () => {
    const deps = t.app.deps;
    const out = recordingDispatcher(deps);
    const call = await seedCall(deps);
    await out.dispatcher.drain();
    expect(out.calls().map((c) => `${c.op} ${c.channel}`)).toEqual([
      "post slack:#billing-approvals",
      "post email:billing-leads@example.com",
    ]);
    const woken: string[] = [];
    const unlisten = await t.database.listen(APPROVAL_CHANGED, (id) => woken.push(id));

    // A millisecond before, it is breached (the SLA badge changes on the cards) but still pending.
    clock.set(new Date(call.expiresAt.getTime() - 1));
    expect(await t.app.sweeper.runOnce()).toEqual({
      expired: 0,
      atRisk: 0,
      breached: 1,
      escalated: 0,
      reminded: 0,
    });
    const before = await t.call("GET", `/v1/approvals/${call.approvalId}`, { key: ana });
    expect(before.body).toMatchObject({ status: "pending", sla: "breached", decision: null });
    await out.dispatcher.drain();

    clock.set(call.expiresAt);
    expect(await t.app.sweeper.runOnce()).toMatchObject({ expired: 1 });
    const after = await t.call("GET", `/v1/approvals/${call.approvalId}`, { key: ana });
    expect(after.body).toMatchObject({
      status: "expired",
      sla: "expired",
      decision: {
        decision: "reject",
        kind: "timeout",
        via: "sweeper",
        decidedBy: "countersign-sweeper",
        decidedAt: call.expiresAt.toISOString(),
        rationale: "no decision within 60 min",
      },
    });
    expect(await toolCallOf(deps, call.toolCallId)).toMatchObject({ status: "denied", reason: "timeout" });

    // A waiting agent is woken by the NOTIFY (it arrives asynchronously after the commit).
    for (let i = 0; i < 200 && !woken.includes(call.approvalId); i++)
      await new Promise((r) => setTimeout(r, 5));
    unlisten();
    expect(woken).toContain(call.approvalId);

    // Every posted copy is stale, then updated to show the expiry.
    const cards = await deliveriesOf(deps, call.approvalId);
    expect(cards.map((d) => [d.channel, d.shownVersion, d.wantVersion])).toEqual(
      expect.arrayContaining([
        ["slack:#billing-approvals", 2, 3],
        ["email:billing-leads@example.com", 2, 3],
      ]),
    );
    await out.dispatcher.drain();
    expect(out.calls().map((c) => `${c.op} ${c.channel} ${c.status} ${c.sla}`)).toEqual([
      "post slack:#billing-approvals pending on_track",
      "update slack:#billing-approvals pending breached",
      "update slack:#billing-approvals expired expired",
      "post email:billing-leads@example.com pending on_track",
      "update email:billing-leads@example.com pending breached",
      "update email:billing-leads@example.com expired expired",
    ]);

    const audit = await t.call("GET", `/v1/audit?approvalId=${call.approvalId}`, { key: t.adminKey });
    expect(audit.body.items.map((e: { type: string }) => e.type)).toEqual([
      "approval.created",
      "approval.sla_changed",
      "approval.expired",
    ]);
    expect(audit.body.items[1]).toMatchObject({ data: { from: "on_track", to: "breached" } });
    expect(audit.body.items[2]).toMatchObject({
      actor: "countersign-sweeper",
      data: { decision: "reject", kind: "timeout", via: "sweeper" },
    });
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body.ok).toBe(true);

    // An approver clicking the expired card is told so.
    const late = await t.call("POST", `/v1/approvals/${call.approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "looks fine" },
    });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("already_decided");
    expect(late.body.error.message).toContain(`expired at ${call.expiresAt.toISOString()}`);
    expect(await t.app.sweeper.runOnce()).toMatchObject({ expired: 0 });
  });

  it("expires a backlog larger than a batch, each exactly once, with an intact audit chain", async () => {
    const deps = t.app.deps;
    const calls: SeededCall[] = [];
    for (let i = 0; i < 7; i++) calls.push(await seedCall(deps, { timeoutMs: 5 * MINUTE }));
    clock.advance(5 * MINUTE);
    const heard: string[] = [];
    const unlisten = await t.database.listen(APPROVAL_CHANGED, (payload) => heard.push(payload));
    const sweeper = new Sweeper({ deps, logger: createLogger("error"), schedule: "0 0 1 1 *", batchSize: 3 });
    expect(await sweeper.runOnce()).toMatchObject({ expired: 7 });
    // A batch wakes waiters with one "look again" rather than a notification per approval.
    for (let i = 0; i < 200 && !heard.includes("*"); i++) await new Promise((r) => setTimeout(r, 5));
    unlisten();
    expect(heard).toContain("*");
    expect(heard.filter((p) => calls.slice(0, 6).some((c) => c.approvalId === p))).toEqual([]);
    expect(await sweeper.runOnce()).toMatchObject({ expired: 0 });
    for (const c of calls) {
      expect(await toolCallOf(deps, c.toolCallId)).toMatchObject({ status: "denied", reason: "timeout" });
    }
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body.ok).toBe(true);
  });

  it("expires while every platform is down; the cards catch up when it is back", async () => {
    const deps = t.app.deps;
    const out = recordingDispatcher(deps);
    const call = await seedCall(deps, { timeoutMs: MINUTE });
    await out.dispatcher.drain();
    out.slack.failing = true;
    out.email.failing = true;
    let kicked = 0;
    let draining: Promise<void> | undefined;
    const sweeper = new Sweeper({
      deps,
      logger: createLogger("error"),
      schedule: "0 0 1 1 *",
      // The failing dispatcher runs right after the sweep, as the app's does.
      onChange: () => {
        kicked++;
        draining = out.dispatcher.drain();
      },
    });
    clock.advance(MINUTE);
    expect(await sweeper.runOnce()).toMatchObject({ expired: 1 });
    expect(kicked).toBe(1);
    await draining;
    expect((await t.call("GET", `/v1/approvals/${call.approvalId}`, { key: ana })).body.status).toBe(
      "expired",
    );
    const stale = await deliveriesOf(deps, call.approvalId);
    expect(stale.every((d) => d.shownVersion < d.wantVersion && d.error?.includes("is down"))).toBe(true);

    out.slack.failing = false;
    out.email.failing = false;
    clock.advance(MINUTE); // past the retry backoff
    await out.dispatcher.drain();
    const updates = out.calls().filter((c) => c.op === "update" && c.approvalId === call.approvalId);
    expect(updates.map((u) => u.status)).toEqual(["expired", "expired"]);
  });

  it("logs a failing sweep from the timer and never throws", async () => {
    const brokenClock = {
      now(): Date {
        throw new Error("clock unavailable");
      },
    };
    const lines: string[] = [];
    const logger = createLogger("error");
    const sweeper = new Sweeper({
      deps: { ...t.app.deps, clock: brokenClock },
      logger: Object.assign(Object.create(logger), {
        error: (_obj: unknown, msg: string) => lines.push(msg),
      }),
      schedule: "* * * * * *",
    });
    sweeper.start();
    for (let i = 0; i < 400 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await sweeper.stop();
    expect(lines[0]).toBe("sweep failed");
  });
});

describe("onTimeout", () => {
  const policy = (routing: string) => `
apiVersion: countersign.dev/v1alpha1
kind: Team
metadata: { name: leads }
spec: { members: [{ email: ana@example.com }] }
---
apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - when: { tool.name: "*" }
      require: { approval: human, approvalRouting: { approvers: [team:leads], timeoutMinutes: 5${routing} } }
`;
  const load = (yaml: string) => {
    return () => parseResourceFiles([{ file: "p.yaml", text: yaml }]);
  };

  it("accepts deny", () => {
    expect(load(policy(", onTimeout: deny"))().policies[0]!.rules[0]!.routing!.onTimeout).toBe("deny");
  });

  it.each([
    ["approve", ", onTimeout: approve", /onTimeout: expected deny/],
    ["missing", "", /onTimeout: expected deny/],
  ])("refuses %s, naming the field", (_, routing, reason) => {
    const run = load(policy(routing));
    expect(run).toThrow(ResourceError);
    expect(run).toThrow(/document 1 \(Policy p\): spec\.rules\[0\]\.require\.approvalRouting\.onTimeout/);
    expect(run).toThrow(reason);
  });
});
