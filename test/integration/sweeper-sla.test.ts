// SLA transitions recorded by the sweeper with a manual clock: default thresholds (50 % and 80 % of the
// timeout), explicit `sla` routing with a fractional timeout, the escalation (once, to people and
// channels, linking the original card), a transition skipped while the server was down, and several
// sweepers at once.
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { auditEvents, deliveries } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import type { TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import {
  deliveriesOf,
  ESCALATION_YAML,
  MINUTE,
  quietApp,
  recordingDispatcher,
  seedCall,
  sweepTogether,
} from "../helpers/sweeper-fixtures.ts";

const SECOND = 1000;
const NOTHING = { expired: 0, atRisk: 0, breached: 0, escalated: 0, reminded: 0 };

describe(`sweeper: SLA (${backend})`, () => {
  const clock = new ManualClock(new Date("2030-01-01T09:00:00.000Z"));
  let t: TestApp;
  let ana: string;

  beforeAll(async () => {
    t = await quietApp({ clock, yaml: ESCALATION_YAML });
    ana = await t.operatorKey("ana@example.com");
  });
  afterAll(() => t.close());
  // Whatever a test leaves pending expires before the next one starts counting.
  afterEach(async () => {
    clock.advance(24 * 60 * MINUTE);
    await t.app.sweeper.runOnce();
  });

  const view = async (id: string) => (await t.call("GET", `/v1/approvals/${id}`, { key: ana })).body;
  const auditTypes = async (id: string) =>
    (await t.call("GET", `/v1/audit?approvalId=${id}`, { key: t.adminKey })).body.items.map(
      (e: { type: string; data: { from?: string; to?: string } }) =>
        e.type === "approval.sla_changed" ? `${e.data.from}→${e.data.to}` : e.type,
    );
  const at = async (created: Date, offsetMs: number) => {
    clock.set(new Date(created.getTime() + offsetMs));
    return t.app.sweeper.runOnce();
  };

  it("moves on_track → at_risk → breached at 50 % and 80 % of the timeout by default", async () => {
    const created = clock.now();
    const out = recordingDispatcher(t.app.deps);
    const { approvalId } = await seedCall(t.app.deps); // refund.issue: 60 min, no escalation
    await out.dispatcher.drain();

    expect(await at(created, 30 * MINUTE - 1)).toEqual(NOTHING);
    expect((await view(approvalId)).sla).toBe("on_track");
    expect(await at(created, 30 * MINUTE)).toEqual({ ...NOTHING, atRisk: 1 });
    await out.dispatcher.drain();
    expect(await at(created, 48 * MINUTE - 1)).toEqual(NOTHING);
    expect(await at(created, 48 * MINUTE)).toEqual({ ...NOTHING, breached: 1 });
    await out.dispatcher.drain();
    expect(await at(created, 50 * MINUTE)).toEqual(NOTHING);

    expect(await view(approvalId)).toMatchObject({ status: "pending", sla: "breached", escalatedAt: null });
    expect(await auditTypes(approvalId)).toEqual([
      "approval.created",
      "on_track→at_risk",
      "at_risk→breached",
    ]);
    // Each transition refreshed the badge on both posted cards.
    expect(out.calls().map((c) => `${c.op} ${c.channel} ${c.sla}`)).toEqual([
      "post slack:#billing-approvals on_track",
      "update slack:#billing-approvals at_risk",
      "update slack:#billing-approvals breached",
      "post email:billing-leads@example.com on_track",
      "update email:billing-leads@example.com at_risk",
      "update email:billing-leads@example.com breached",
    ]);
    expect(await at(created, 60 * MINUTE)).toEqual({ ...NOTHING, expired: 1 });
  });

  it("follows explicit sla routing with a fractional timeout, and escalates once at breached", async () => {
    const created = clock.now();
    const out = recordingDispatcher(t.app.deps);
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.send" }); // 1.5 min; 30 s, 60 s
    await out.dispatcher.drain();

    expect(await at(created, 30 * SECOND - 1)).toEqual(NOTHING);
    expect(await at(created, 30 * SECOND)).toEqual({ ...NOTHING, atRisk: 1 });
    expect(await at(created, 60 * SECOND - 1)).toEqual(NOTHING);
    expect(await at(created, 60 * SECOND)).toEqual({ ...NOTHING, breached: 1, escalated: 1 });
    for (const offset of [60 * SECOND, 61 * SECOND, 89 * SECOND]) {
      expect(await at(created, offset)).toEqual(NOTHING);
    }
    expect(await view(approvalId)).toMatchObject({
      sla: "breached",
      escalatedAt: new Date(created.getTime() + 60 * SECOND).toISOString(),
    });

    // One message per escalated person (a Slack DM for sam, whose Slack id the sre-oncall Role gives;
    // email for zoe) and per escalation channel, each carrying the posted cards it links to.
    const escalations = (await deliveriesOf(t.app.deps, approvalId)).filter(
      (d) => d.purpose === "escalation",
    );
    expect(
      escalations.map((d) => [d.channel, d.platform, (d.extra as { person: string | null }).person]),
    ).toEqual([
      ["slack:@U0SAM00003", "slack", "sam@example.com"],
      ["email:zoe@example.com", "email", "zoe@example.com"],
      ["slack:#billing-escalations", "slack", null],
      ["email:finance-oncall@example.com", "email", null],
    ]);
    expect(escalations[0]!.extra).toEqual({
      // The single escalateTo form is the approval's one escalation level.
      level: 1,
      levels: 1,
      slaBreachAt: new Date(created.getTime() + 60 * SECOND).toISOString(),
      expiresAt: new Date(created.getTime() + 90 * SECOND).toISOString(),
      escalateTo: ["sam@example.com", "zoe@example.com"],
      person: "sam@example.com",
      originals: expect.arrayContaining([
        {
          channel: "slack:#billing-approvals",
          platform: "slack",
          target: "target-of-slack:#billing-approvals",
          messageRef: expect.stringMatching(/^msg-/),
        },
        {
          channel: "email:billing-leads@example.com",
          platform: "email",
          target: "target-of-email:billing-leads@example.com",
          messageRef: expect.stringMatching(/^msg-/),
        },
      ]),
    });

    await out.dispatcher.drain();
    const sent = out.calls().filter((c) => c.approvalId === approvalId);
    expect(sent.filter((c) => c.purpose === "escalation").map((c) => `${c.op} ${c.channel}`)).toEqual(
      expect.arrayContaining([
        "post slack:@U0SAM00003",
        "post slack:#billing-escalations",
        "post email:zoe@example.com",
        "post email:finance-oncall@example.com",
      ]),
    );
    expect(sent.filter((c) => c.purpose === "escalation")).toHaveLength(4);
    // Both transitions happened before this delivery pass: each card is updated once, to the latest.
    expect(sent.filter((c) => c.purpose === "card" && c.op === "update").map((c) => c.sla)).toEqual([
      "breached",
      "breached",
    ]);

    expect(await at(created, 90 * SECOND)).toEqual({ ...NOTHING, expired: 1 });
    expect((await view(approvalId)).decision.rationale).toBe("no decision within 90 s");
    expect(await auditTypes(approvalId)).toEqual([
      "approval.created",
      "on_track→at_risk",
      "at_risk→breached",
      "approval.escalated",
      "approval.expired",
    ]);
  });

  it("moves straight to breached and still escalates once when the at-risk moment was missed", async () => {
    const created = clock.now();
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.send" });
    expect(await at(created, 70 * SECOND)).toEqual({ ...NOTHING, breached: 1, escalated: 1 });
    expect(await at(created, 80 * SECOND)).toEqual(NOTHING);
    expect(await auditTypes(approvalId)).toEqual([
      "approval.created",
      "on_track→breached",
      "approval.escalated",
    ]);
    expect(await at(created, 90 * SECOND)).toEqual({ ...NOTHING, expired: 1 });
  });

  it("expires rather than escalates an approval whose deadline passed unseen", async () => {
    const created = clock.now();
    const { approvalId } = await seedCall(t.app.deps, { tool: "payout.send" });
    expect(await at(created, 2 * MINUTE)).toEqual({ ...NOTHING, expired: 1 });
    expect(await auditTypes(approvalId)).toEqual(["approval.created", "approval.expired"]);
  });

  it("escalates each approval once when several sweepers run at the same moment", async () => {
    const created = clock.now();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await seedCall(t.app.deps, { tool: "payout.send" })).approvalId);
    clock.set(new Date(created.getTime() + 65 * SECOND));
    const results = await sweepTogether(t.app.deps, 3, 7);
    expect(results.reduce((n, r) => n + r.escalated, 0)).toBe(30);
    expect(results.reduce((n, r) => n + r.breached, 0)).toBe(30);

    const { db } = t.app.deps.database;
    const queued = await db
      .select()
      .from(deliveries)
      .where(and(inArray(deliveries.approvalId, ids), eq(deliveries.purpose, "escalation")));
    expect(queued).toHaveLength(30 * 4);
    const escalatedEvents = await db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.approvalId, ids), eq(auditEvents.type, "approval.escalated")));
    expect(new Set(escalatedEvents.map((e) => e.approvalId)).size).toBe(30);
    expect(escalatedEvents).toHaveLength(30);
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body.ok).toBe(true);
  });
});
