// The Teams notifier under the delivery dispatcher: throttling is retried when Teams' Retry-After says
// (not before), a conversation the bot is not in fails for good with the fix named, and a
// `teams:<team id>/<channel name>` route is resolved through the team's channel list.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliveries } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { backend } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";
import {
  actionsOf,
  BILLING_CHANNEL,
  cardOf,
  elementsOf,
  startTeamsWorld,
  TEAMS_USERS,
  type TeamsWorld,
} from "../helpers/teams-request.ts";

describe(`Teams deliveries (${backend})`, () => {
  let w: TeamsWorld;
  const clock = new ManualClock(new Date("2026-05-01T09:00:00Z"));

  beforeAll(async () => {
    w = await startTeamsWorld({ clock });
  });
  afterAll(() => w.close());

  async function teamsDelivery(approvalId: string) {
    const [row] = await w.t.app.deps.database.db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.approvalId, approvalId), eq(deliveries.platform, "teams")));
    return row!;
  }

  /** Polls (bounded) until the Teams delivery of `approvalId` satisfies `done`. */
  async function until(
    approvalId: string,
    done: (row: Awaited<ReturnType<typeof teamsDelivery>>) => boolean,
  ) {
    for (let i = 0; i < 200; i++) {
      const row = await teamsDelivery(approvalId);
      if (done(row)) return row;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `delivery of ${approvalId} never got there: ${JSON.stringify(await teamsDelivery(approvalId))}`,
    );
  }

  it("retries a throttled post after Teams' Retry-After, and not before", async () => {
    w.connector.failNext("post", { status: 429, retryAfter: 7 });
    const approvalId = await seedApproval(w.t.app.deps);
    await w.t.app.dispatcher.drain();
    const throttled = await until(approvalId, (r) => r.error !== null);
    expect(throttled.status).toBe("pending");
    expect(throttled.error).toBe("Teams throttled the call; retrying after 7 s");
    expect(throttled.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 7000);
    expect(w.connector.calls.filter((c) => c.status === 429)).toHaveLength(1);

    clock.advance(6000);
    await w.t.app.dispatcher.drain();
    expect(w.connector.recorded("post", approvalId)).toHaveLength(0);

    clock.advance(1000);
    await w.t.app.dispatcher.drain();
    const [posted] = await w.connector.waitFor("post", 1, approvalId);
    const row = await until(approvalId, (r) => r.status === "posted");
    expect(row).toMatchObject({ target: BILLING_CHANNEL, messageRef: posted!.activityId, error: null });
  });

  it("fails for good, naming the fix, when the bot is not in the conversation", async () => {
    w.connector.conversations.delete(BILLING_CHANNEL);
    try {
      const approvalId = await seedApproval(w.t.app.deps);
      await w.t.app.dispatcher.drain();
      const row = await until(approvalId, (r) => r.status === "failed");
      expect(row.error).toMatch(/add the Countersign app to that team or chat/);
      expect(w.connector.calls.filter((c) => c.status === 403 && c.kind === "post")).toHaveLength(1);
    } finally {
      w.connector.conversations.add(BILLING_CHANNEL);
    }
  });

  it("posts a teams:<team>/<channel name> route to that channel, with an optional rationale", async () => {
    const approvalId = await seedApproval(w.t.app.deps, {
      tool: "payout.send",
      input: { to: "acme", cents: 500 },
    });
    await w.t.app.dispatcher.drain();
    const [posted] = await w.connector.waitFor("post", 1, approvalId);
    expect(posted!.conversationId).toBe("19:payouts0channel@thread.tacv2");
    const card = cardOf(posted!.body);
    expect(elementsOf(card, "Input.Text")[0]).toMatchObject({
      isRequired: false,
      label: "Rationale (optional)",
    });

    const res = await w.teams.press(TEAMS_USERS.ana, "approve", { approvalId });
    expect(res.status).toBe(200);
    expect(actionsOf(res.body.value)).toHaveLength(0);
    const decided = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.t.adminKey });
    expect(decided.body.decision).toMatchObject({
      via: "teams",
      decidedBy: "ana@example.com",
      rationale: "",
    });
  });
});
