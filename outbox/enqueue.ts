// The writing side of the outbox, used inside the domain's transactions: a message queued here commits
// or rolls back with the state change it tells of, and the dispatchers of every replica are woken when
// it commits. Nothing here talks to a platform; that happens later, in bot/deliveries/.
import { and, eq, inArray, sql } from "drizzle-orm";
import { notifyChanged } from "../db/notify.ts";
import type { Queryable, Tx } from "../db/open.ts";
import { deliveries } from "../db/schema.ts";
import { platformOf } from "./platforms.ts";

/** NOTIFYed when deliveries are due (a new card, a card to update, an escalation); payload: approval ids. */
export const DELIVERIES_DUE = "countersign_deliveries_due";

export type Purpose = "card" | "escalation" | "notice" | "reminder";

export interface NewDelivery {
  approvalId: string;
  /** card: the approval card, refreshed in place; escalation, reminder and notice: one-off messages. */
  purpose: Purpose;
  /** As routed: slack:#…, slack:@U… (a DM), teams:…, email:… */
  channel: string;
  /** What the notifier needs beyond the approval itself (who is escalated to, …). */
  extra?: Record<string, unknown>;
}

/** One copy of an approval's card: where it went, and (once posted) the platform's reference to it. */
export interface CardCopy {
  channel: string;
  platform: string;
  target: string | null;
  messageRef: string | null;
}

/** Queues messages in the caller's transaction, due at once. */
export async function enqueue(tx: Tx, messages: readonly NewDelivery[], now: Date): Promise<void> {
  if (messages.length === 0) return;
  await tx.insert(deliveries).values(
    messages.map((m) => ({
      approvalId: m.approvalId,
      purpose: m.purpose,
      platform: platformOf(m.channel),
      channel: m.channel,
      status: "pending" as const,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
      ...(m.extra ? { extra: m.extra } : {}),
    })),
  );
  await notifyChanged(tx, DELIVERIES_DUE, [...new Set(messages.map((m) => m.approvalId))]);
}

/**
 * Marks every copy of these approvals' cards stale, so the notifiers refresh them. next_attempt_at is
 * left alone: a copy being sent right now keeps its lease (resetting it would let another replica claim
 * and post the same card twice), one in retry backoff keeps its backoff, and a posted copy is due at once.
 */
export async function refreshCards(tx: Tx, approvalIds: readonly string[], at: Date): Promise<void> {
  if (approvalIds.length === 0) return;
  await tx
    .update(deliveries)
    .set({ wantVersion: sql`${deliveries.wantVersion} + 1`, updatedAt: at })
    .where(and(inArray(deliveries.approvalId, [...approvalIds]), eq(deliveries.purpose, "card")));
  await notifyChanged(tx, DELIVERIES_DUE, approvalIds);
}

/**
 * Drops these approvals' messages of one purpose that are not sent yet: they told of a state that has
 * passed (a reminder to decide what is decided). A copy being sent right now may still go out.
 */
export async function dropUnsent(tx: Tx, approvalIds: readonly string[], purpose: Purpose): Promise<void> {
  if (approvalIds.length === 0) return;
  await tx
    .delete(deliveries)
    .where(
      and(
        inArray(deliveries.approvalId, [...approvalIds]),
        eq(deliveries.purpose, purpose),
        eq(deliveries.status, "pending"),
      ),
    );
}

/** The copies of these approvals' cards, posted or not, for messages that link to the original. */
export async function cardCopies(
  q: Queryable,
  approvalIds: readonly string[],
): Promise<(CardCopy & { approvalId: string })[]> {
  if (approvalIds.length === 0) return [];
  return q
    .select({
      approvalId: deliveries.approvalId,
      channel: deliveries.channel,
      platform: deliveries.platform,
      target: deliveries.target,
      messageRef: deliveries.messageRef,
    })
    .from(deliveries)
    .where(and(inArray(deliveries.approvalId, [...approvalIds]), eq(deliveries.purpose, "card")))
    .orderBy(deliveries.id);
}
