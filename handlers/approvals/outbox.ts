// Signals to the outbox and to waiters, shared by everything that changes an approval.
import { and, eq, inArray, sql } from "drizzle-orm";
import { notify, type Tx } from "../../db/open.ts";
import { deliveries } from "../../db/schema.ts";

/**
 * Marks every copy of these approvals' cards stale, so the notifiers refresh them. next_attempt_at is
 * left alone: a copy being sent right now keeps its lease (resetting it would let another replica claim
 * and post the same card twice), one in retry backoff keeps its backoff, and a posted copy is due at once.
 */
export async function bumpCards(tx: Tx, approvalIds: string[], at: Date): Promise<void> {
  if (approvalIds.length === 0) return;
  await tx
    .update(deliveries)
    .set({ wantVersion: sql`${deliveries.wantVersion} + 1`, updatedAt: at })
    .where(and(inArray(deliveries.approvalId, approvalIds), eq(deliveries.purpose, "card")));
}

/**
 * Tells listeners these approvals changed: by id for one, with a single "*" ("look again at everything
 * you wait on", as after a lost listener connection) for a batch. Every listener in every replica reacts
 * to each notification, some with a query (the executor looks up the approval), so a sweep batch of 200
 * sent one by one would set off 200 queries per replica and starve the API's connection pool.
 */
export async function notifyChanged(tx: Tx, channel: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await notify(tx, channel, ids.length === 1 ? ids[0]! : "*");
}
