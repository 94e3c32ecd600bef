// Escalation levels and reminders, swept with a manual clock. Levels fire once each, in order — one at a
// time as they come due, all of them at once after an outage, and never twice with several sweepers at
// the same moment. Reminders go to the approvers who have not acted (not to one who approved toward a
// quorum, nor to the requester), once per interval, and stop once the approval is decided: reminders
// queued but not yet sent are dropped then.
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, deliveries } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import type { TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { API_VERSION, decisionToolYaml, resourcesYaml } from "../helpers/resource-yaml.ts";
import {
  deliveriesOf,
  MINUTE,
  quietApp,
  recordingDispatcher,
  seedCall,
  sweepTogether,
} from "../helpers/sweeper-fixtures.ts";

// payout.levels: three levels at 2, 4 and 6 minutes of a 10-minute timeout; reminders every 3 minutes.
// payout.quorum: two of billing-leads and cara, reminders every minute, cards in Slack and Teams.
const YAML = resourcesYaml(
  decisionToolYaml("payout.levels", "privileged"),
  decisionToolYaml("payout.quorum", "privileged"),
  `${API_VERSION}
kind: Policy
metadata: { name: payout-levels }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.name: payout.levels }
      require:
        approval: human
        approvalRouting:
          approvers: [team:billing-leads]
          timeoutMinutes: 10
          onTimeout: deny
          sla:
            remindEveryMinutes: 3
            escalation:
              - { afterMinutes: 2, to: [user:sam@example.com] }
              - { afterMinutes: 4, to: [user:zoe@example.com], channels: [slack:#billing-escalations] }
              - { afterMinutes: 6, channels: [email:finance-oncall@example.com] }
        channels: [slack:#billing-approvals]
    - when: { tool.name: payout.quorum }
      require:
        approval: human
        approvalRouting:
          approvers: [team:billing-leads, user:cara@example.com]
          minApprovals: 2
          timeoutMinutes: 10
          onTimeout: deny
          sla: { remindEveryMinutes: 1 }
        channels: [slack:#billing-approvals, "teams:19:payouts@thread.tacv2"]`,
);

describe(`escalation levels and reminders (${backend})`, () => {
  const clock = new ManualClock(new Date("2030-03-01T09:00:00.000Z"));
  let t: TestApp;

  beforeAll(async () => {
    t = await quietApp({ clock, yaml: YAML });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    clock.advance(24 * 60 * MINUTE);
    await t.app.sweeper.runOnce();
  });

  const at = (created: Date, ms: number) => {
    clock.set(new Date(created.getTime() + ms));
    return t.app.sweeper.runOnce();
  };
  const events = async (id: string, type: string) =>
    (
      await t.app.deps.database.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.approvalId, id), eq(auditEvents.type, type)))
        .orderBy(auditEvents.id)
    ).map((e) => e.data as Record<string, unknown>);
  const sent = async (id: string, purpose: "escalation" | "reminder") =>
    (await deliveriesOf(t.app.deps, id))
      .filter((d) => d.purpose === purpose)
      .sort((a, b) => a.id - b.id)
      .map((d) => d.channel);

  it("fires three levels once each, in order, as each comes due", async () => {
    const created = clock.now();
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.levels" });
    expect((await at(created, 2 * MINUTE - 1)).escalated).toBe(0);
    expect((await at(created, 2 * MINUTE)).escalated).toBe(1);
    expect((await at(created, 2 * MINUTE)).escalated).toBe(0);
    expect(await sent(approvalId, "escalation")).toEqual(["slack:@U0SAM00003"]);
    expect((await at(created, 4 * MINUTE)).escalated).toBe(1);
    expect((await at(created, 5 * MINUTE)).escalated).toBe(0);
    expect((await at(created, 6 * MINUTE)).escalated).toBe(1);
    expect((await at(created, 9 * MINUTE)).escalated).toBe(0);

    expect(await sent(approvalId, "escalation")).toEqual([
      "slack:@U0SAM00003",
      "email:zoe@example.com",
      "slack:#billing-escalations",
      "email:finance-oncall@example.com",
    ]);
    expect((await events(approvalId, "approval.escalated")).map((e) => [e.level, e.levels])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    const view = (await t.call("GET", `/v1/approvals/${approvalId}`, { key: t.adminKey })).body;
    expect(view.escalatedAt).toBe(new Date(created.getTime() + 2 * MINUTE).toISOString());
    expect(view.escalations).toEqual([
      {
        at: new Date(created.getTime() + 2 * MINUTE).toISOString(),
        to: ["sam@example.com"],
        channels: [],
        fired: true,
      },
      {
        at: new Date(created.getTime() + 4 * MINUTE).toISOString(),
        to: ["zoe@example.com"],
        channels: ["slack:#billing-escalations"],
        fired: true,
      },
      {
        at: new Date(created.getTime() + 6 * MINUTE).toISOString(),
        to: [],
        channels: ["email:finance-oncall@example.com"],
        fired: true,
      },
    ]);
  });

  it("fires every level that came due while no one swept, in order, in one sweep, once", async () => {
    const created = clock.now();
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.levels" });
    expect((await at(created, 7 * MINUTE)).escalated).toBe(3);
    expect((await at(created, 8 * MINUTE)).escalated).toBe(0);
    expect((await events(approvalId, "approval.escalated")).map((e) => e.level)).toEqual([1, 2, 3]);
    const escalations = (await deliveriesOf(t.app.deps, approvalId))
      .filter((d) => d.purpose === "escalation")
      .sort((a, b) => a.id - b.id)
      .map((d) => (d.extra as { level: number }).level);
    expect(escalations).toEqual([1, 2, 2, 3]);
  });

  it("fires each level once when three sweepers run at the same moment", async () => {
    const created = clock.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await seedCall(t.app.deps, { tool: "payout.levels" })).approvalId);
    clock.set(new Date(created.getTime() + 5 * MINUTE));
    const results = await sweepTogether(t.app.deps, 3, 6);
    expect(results.reduce((n, r) => n + r.escalated, 0)).toBe(40);
    const fired = await t.app.deps.database.db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.approvalId, ids), eq(auditEvents.type, "approval.escalated")));
    const levels = fired.map((e) => `${e.approvalId}#${(e.data as { level: number }).level}`);
    expect(new Set(levels).size).toBe(40);
    expect(levels).toHaveLength(40);
    const queued = await t.app.deps.database.db
      .select()
      .from(deliveries)
      .where(and(inArray(deliveries.approvalId, ids), eq(deliveries.purpose, "escalation")));
    expect(queued).toHaveLength(20 * 3);
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body.ok).toBe(true);
  });

  it("reminds the approvers once per interval, and stops once decided, dropping reminders not yet sent", async () => {
    const created = clock.now();
    const out = recordingDispatcher(t.app.deps);
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.levels" });
    expect((await at(created, 3 * MINUTE - 1)).reminded).toBe(0);
    expect((await at(created, 3 * MINUTE)).reminded).toBe(1);
    expect((await at(created, 3 * MINUTE + 30_000)).reminded).toBe(0);
    // ana and ben are billing-leads with Slack ids: a DM each.
    expect(await sent(approvalId, "reminder")).toEqual(["slack:@U0ANA00001", "slack:@U0BEN00002"]);
    await out.dispatcher.drain();
    const dms = out.calls().filter((c) => c.approvalId === approvalId && c.purpose === "reminder");
    // Sent side by side: in either order.
    expect(dms.map((c) => `${c.op} ${c.channel} ${c.status}`).sort()).toEqual([
      "post slack:@U0ANA00001 pending",
      "post slack:@U0BEN00002 pending",
    ]);

    // The next round is queued, but the approval is decided before anything sends it.
    expect((await at(created, 6 * MINUTE)).reminded).toBe(1);
    const ana = await t.operatorKey("ana@example.com");
    const decided = await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "Fine." },
    });
    expect(decided.status).toBe(200);
    expect(await sent(approvalId, "reminder")).toEqual(["slack:@U0ANA00001", "slack:@U0BEN00002"]);
    await out.dispatcher.drain();
    expect(out.calls().filter((c) => c.approvalId === approvalId && c.purpose === "reminder")).toHaveLength(
      2,
    );
    expect((await at(created, 9 * MINUTE)).reminded).toBe(0);
    expect((await events(approvalId, "approval.reminded")).map((e) => e.awaited)).toEqual([
      ["ana@example.com", "ben@example.com"],
      ["ana@example.com", "ben@example.com"],
    ]);
  });

  it("reminds only who has not acted: not an approver who approved toward the quorum, nor the requester", async () => {
    const created = clock.now();
    const out = recordingDispatcher(t.app.deps);
    const { approvalId } = await seedCall(t.app.deps, {
      tool: "payout.quorum",
      requestedBy: "ben@example.com",
    });
    const ana = await t.operatorKey("ana@example.com");
    const first = await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "One of two." },
    });
    expect(first.body.status).toBe("pending");
    expect((await at(created, MINUTE)).reminded).toBe(1);
    // Only cara is awaited: an email (no Slack id), and the card again in the routed Teams conversation.
    expect(await sent(approvalId, "reminder")).toEqual([
      "email:cara@example.com",
      "teams:19:payouts@thread.tacv2",
    ]);
    await out.dispatcher.drain();
    const reminders = out.calls().filter((c) => c.approvalId === approvalId && c.purpose === "reminder");
    expect(reminders.map((c) => [c.channel, c.extra]).sort()).toEqual([
      ["email:cara@example.com", { person: "cara@example.com", awaited: ["cara@example.com"] }],
      ["teams:19:payouts@thread.tacv2", { person: null, awaited: ["cara@example.com"] }],
    ]);
  });
});
