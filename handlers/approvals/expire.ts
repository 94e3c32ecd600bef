// Expiry: a pending approval past its deadline is denied by timeout. The sweeper claims due rows with
// FOR UPDATE SKIP LOCKED, so replicas sweeping together never expire the same approval twice, and a
// person deciding at the same moment either wins before the sweep or gets the timeout as the 409.
import { and, asc, eq, inArray, lte } from "drizzle-orm";
import type { Tx } from "../../db/open.ts";
import { approvals } from "../../db/schema.ts";
import type { HandlerDeps } from "../deps.ts";
import type { ApprovalRow } from "./present.ts";
import { type NewDecision, recordDecision, settleDecisions } from "./record-decision.ts";

export const SWEEPER_ACTOR = "countersign-sweeper";

function formatMinutes(minutes: number): string {
  return Number.isInteger(minutes) ? `${minutes} min` : `${Math.round(minutes * 60)} s`;
}

function timeoutDecision(timeoutMinutes: number, now: Date): NewDecision {
  return {
    decision: "reject",
    kind: "timeout",
    via: "sweeper",
    decidedBy: SWEEPER_ACTOR,
    rationale: `no decision within ${formatMinutes(timeoutMinutes)}`,
    grantBy: null,
    at: now,
  };
}

/**
 * Expires one approval if it is pending and past its deadline; false if it was not. For the loser of a
 * decision race: it waits for a sweeper holding the row (rather than skipping it), so that afterwards
 * the timeout decision is there to read.
 */
export async function expireApproval(deps: HandlerDeps, id: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: approvals.id, timeoutMinutes: approvals.timeoutMinutes })
      .from(approvals)
      .where(and(eq(approvals.id, id), eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
      .for("update");
    if (!row) return false;
    return (await recordDecision(tx, row.id, timeoutDecision(row.timeoutMinutes, now))) !== null;
  });
}

/**
 * Expires up to `limit` overdue approvals in one transaction; returns the ids it expired. Rows another
 * transaction holds (a replica's sweep, a person deciding) are skipped, not waited for.
 */
export async function expireDue(deps: HandlerDeps, limit = 100): Promise<string[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const expired = await claimAndExpire(tx, now, limit);
    await settleDecisions(
      tx,
      expired.map((approval) => ({ approval, decision: timeoutDecision(approval.timeoutMinutes, now) })),
    );
    return expired.map((a) => a.id);
  });
}

async function claimAndExpire(
  tx: Tx,
  now: Date,
  limit: number,
): Promise<Pick<ApprovalRow, "id" | "toolCallId" | "timeoutMinutes">[]> {
  const due = tx
    .select({ id: approvals.id })
    .from(approvals)
    .where(and(eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
    .orderBy(asc(approvals.expiresAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  // The status guard is the same first-decision-wins condition as recordDecision's.
  return tx
    .update(approvals)
    .set({ status: "expired", decidedAt: now })
    .where(and(inArray(approvals.id, due), eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
    .returning({
      id: approvals.id,
      toolCallId: approvals.toolCallId,
      timeoutMinutes: approvals.timeoutMinutes,
    });
}
