// Expiry: a pending approval past its deadline is denied by timeout. The sweeper claims due rows with
// FOR UPDATE SKIP LOCKED, so replicas sweeping together never expire the same approval twice, and a
// person deciding at the same moment either wins before the sweep or gets the timeout as the 409.
import { and, asc, eq, lte } from "drizzle-orm";
import type { Tx } from "../../db/open.ts";
import { approvals } from "../../db/schema.ts";
import type { HandlerDeps } from "../deps.ts";
import { recordDecision } from "./record-decision.ts";

export const SWEEPER_ACTOR = "countersign-sweeper";

function formatMinutes(minutes: number): string {
  return Number.isInteger(minutes) ? `${minutes} min` : `${Math.round(minutes * 60)} s`;
}

async function expireRow(tx: Tx, id: string, timeoutMinutes: number, now: Date) {
  return recordDecision(tx, id, {
    decision: "reject",
    kind: "timeout",
    via: "sweeper",
    decidedBy: SWEEPER_ACTOR,
    rationale: `no decision within ${formatMinutes(timeoutMinutes)}`,
    grantBy: null,
    at: now,
  });
}

/** Expires one approval if it is pending and past its deadline; false if it was not. */
export async function expireApproval(deps: HandlerDeps, id: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: approvals.id, timeoutMinutes: approvals.timeoutMinutes })
      .from(approvals)
      .where(and(eq(approvals.id, id), eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
      .for("update", { skipLocked: true });
    return row ? (await expireRow(tx, row.id, row.timeoutMinutes, now)) !== null : false;
  });
}

/** Expires up to `limit` overdue approvals in one transaction; returns the ids it expired. */
export async function expireDue(deps: HandlerDeps, limit = 100): Promise<string[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const due = await tx
      .select({ id: approvals.id, timeoutMinutes: approvals.timeoutMinutes })
      .from(approvals)
      .where(and(eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
      .orderBy(asc(approvals.expiresAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    const expired: string[] = [];
    for (const row of due) {
      if (await expireRow(tx, row.id, row.timeoutMinutes, now)) expired.push(row.id);
    }
    return expired;
  });
}
