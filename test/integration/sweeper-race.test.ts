// A decision racing an expiry, 100 times each way: exactly one wins every time, and the loser is told.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions } from "../../db/schema.ts";
import { decide } from "../../handlers/approvals/index.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { type CodedError, isCodedError } from "../../handlers/errors.ts";
import type { TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { ESCALATION_YAML, MINUTE, quietApp, seedCall, toolCallOf } from "../helpers/sweeper-fixtures.ts";

const ROUNDS = 100;
// A hundred rounds take ~15 s on a quiet machine; a shared, loaded one can take several times that.
const RACE_TIMEOUT_MS = 120_000;

describe(`sweeper: decision/expiry race (${backend})`, () => {
  const clock = new ManualClock(new Date("2030-01-01T09:00:00.000Z"));
  let t: TestApp;
  let ana: string;

  beforeAll(async () => {
    t = await quietApp({ clock, yaml: ESCALATION_YAML });
    ana = await t.operatorKey("ana@example.com");
  });
  afterAll(() => t.close());

  const decisionCount = async (approvalId: string) => {
    const [row] = await t.app.deps.database.db
      .select({ n: count() })
      .from(decisions)
      .where(eq(decisions.approvalId, approvalId));
    return row!.n;
  };

  it(
    `a click a millisecond before the deadline against the sweep at it: one winner, ${ROUNDS} times`,
    async () => {
      const deps = t.app.deps;
      const wins = { human: 0, sweeper: 0 };
      for (let i = 0; i < ROUNDS; i++) {
        // payout.send is a decision tool: an approved call is not sent anywhere.
        const call = await seedCall(deps, { tool: "payout.send", timeoutMs: MINUTE });
        clock.set(call.expiresAt);
        // The approver's request was stamped just before the deadline; the sweep runs at it.
        const human = { ...deps, clock: new ManualClock(new Date(call.expiresAt.getTime() - 1)) };
        const [decided, swept] = await Promise.allSettled([
          decide(human, {
            approvalId: call.approvalId,
            decision: "approve",
            rationale: "verified",
            actor: { email: "ana@example.com" },
            via: "api",
          }),
          t.app.sweeper.runOnce(),
        ]);
        if (swept.status !== "fulfilled") throw swept.reason;
        expect(await decisionCount(call.approvalId)).toBe(1);
        if (decided.status === "fulfilled") {
          wins.human++;
          expect(decided.value).toMatchObject({ status: "approved", decision: { kind: "human" } });
          expect(swept.value.expired).toBe(0);
          // The call goes on to run (the gateway's business); it was not denied.
          expect(await toolCallOf(deps, call.toolCallId)).not.toMatchObject({ status: "denied" });
        } else {
          wins.sweeper++;
          const err = decided.reason as CodedError;
          expect(isCodedError(err) && err.code).toBe("already_decided");
          expect(err.details.decision).toMatchObject({ kind: "timeout", via: "sweeper" });
          expect(err.message).toContain("expired at");
          expect(swept.value.expired).toBe(1);
          expect(await toolCallOf(deps, call.toolCallId)).toMatchObject({
            status: "denied",
            reason: "timeout",
          });
        }
      }
      expect(wins.human + wins.sweeper).toBe(ROUNDS);
    },
    RACE_TIMEOUT_MS,
  );

  it(
    `a click on an expired card racing the sweep: 409 "expired at" and one timeout, ${ROUNDS} times`,
    async () => {
      const deps = t.app.deps;
      let sweeperExpired = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const call = await seedCall(deps, { timeoutMs: MINUTE });
        clock.set(call.expiresAt);
        const [late, swept] = await Promise.all([
          t.call("POST", `/v1/approvals/${call.approvalId}`, {
            key: ana,
            body: { decision: "reject", rationale: "too late?" },
          }),
          t.app.sweeper.runOnce(),
        ]);
        expect(late.status).toBe(409);
        expect(late.body.error).toMatchObject({
          code: "already_decided",
          message: `${call.approvalId} expired at ${call.expiresAt.toISOString()} (denied: no decision in time)`,
          decision: { kind: "timeout", decidedBy: "countersign-sweeper" },
        });
        // Either the sweep expired it, or the late click did (and the sweep then found nothing).
        expect(swept.expired).toBeLessThanOrEqual(1);
        sweeperExpired += swept.expired;
        expect(await decisionCount(call.approvalId)).toBe(1);
      }
      expect(sweeperExpired).toBeLessThanOrEqual(ROUNDS);
    },
    RACE_TIMEOUT_MS,
  );
});
