// Deadlines that pass while every server is down are honoured by the start-up sweep of the next one, and
// an escalation is never repeated by a later start.
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { auditEvents } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { startTestApp } from "../helpers/app.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";
import { ESCALATION_YAML, NEVER, seedCall, toolCallOf } from "../helpers/sweeper-fixtures.ts";

const SECOND = 1000;

describe(`sweeper: restart (${backend})`, () => {
  let database: TestDatabase;
  afterAll(() => database?.drop());

  it("expires and escalates at start-up what came due while the server was down, once", async () => {
    database = await testDatabase();
    const clock = new ManualClock(new Date("2030-01-01T09:00:00.000Z"));
    const created = clock.now();
    const boot = () =>
      startTestApp({ clock, database, yaml: ESCALATION_YAML, env: { COUNTERSIGN_SWEEP_CRON: NEVER } });

    const first = await boot();
    // payout.send: breached after 60 s, expired after 90 s; the short one expires after 30 s.
    const short = await seedCall(first.app.deps, { tool: "payout.send", timeoutMs: 30 * SECOND });
    const long = await seedCall(first.app.deps, { tool: "payout.send" });
    await first.close();

    clock.set(new Date(created.getTime() + 70 * SECOND));
    const second = await boot();
    await second.app.sweeper.idle(); // the start-up sweep, begun by start()
    const ana = await second.operatorKey("ana@example.com");
    const view = async (id: string) => (await second.call("GET", `/v1/approvals/${id}`, { key: ana })).body;
    expect(await view(short.approvalId)).toMatchObject({
      status: "expired",
      decision: {
        kind: "timeout",
        decidedAt: clock.now().toISOString(),
        rationale: "no decision within 30 s",
      },
    });
    expect(await toolCallOf(second.app.deps, short.toolCallId)).toMatchObject({
      status: "denied",
      reason: "timeout",
    });
    expect(await view(long.approvalId)).toMatchObject({
      status: "pending",
      sla: "breached",
      escalatedAt: clock.now().toISOString(),
    });
    await second.close();

    clock.set(new Date(created.getTime() + 80 * SECOND));
    const third = await boot();
    await third.app.sweeper.idle();
    const escalations = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.approvalId, long.approvalId), eq(auditEvents.type, "approval.escalated")));
    expect(escalations).toHaveLength(1);
    await third.close();
  });
});
