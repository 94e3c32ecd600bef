// The sending side of the outbox: due deliveries are claimed by one atomic UPDATE … FOR UPDATE SKIP
// LOCKED that also leases them, so any replica may send and no message is sent by two; a replica that
// dies mid-send frees its rows when the lease passes. How each attempt went is recorded here too, with
// the retry rules (exponential backoff, Retry-After honoured, at most MAX_ATTEMPTS). The dispatcher in
// bot/deliveries/ drives this and hands each job to its platform's notifier.
import { eq, sql } from "drizzle-orm";
import { type Db, queryRows } from "../db/open.ts";
import { deliveries } from "../db/schema.ts";
import { type CardCopy, cardCopies } from "./enqueue.ts";

export const MAX_ATTEMPTS = 8;

type DeliveryRow = typeof deliveries.$inferSelect;

/** A claimed delivery, with all a notifier needs so that it only talks to its platform. */
export interface DeliveryJob extends DeliveryRow {
  /** For escalations and notices, which link to the card: the copies of the approval's card. */
  cards: CardCopy[];
  /**
   * Keeps notes on this delivery (merged into `extra`) at once, for the next attempt to read: a send in
   * several parts (an email per approver) records each part, so a retry does not repeat it.
   */
  saveProgress(notes: Record<string, unknown>): Promise<void>;
}

/** What posting a message produced, kept for later updates. */
export interface Posted {
  /** The resolved destination (Slack channel id, Teams conversation id, email address). */
  target: string;
  /** The platform's reference to the message (Slack ts, Teams activity id, Message-ID). */
  messageRef: string;
}

/** A failed attempt, as the outbox needs to know it. */
export interface Failure {
  message: string;
  retryable: boolean;
  /** The platform's Retry-After; otherwise the backoff decides. */
  retryAfterMs?: number | undefined;
}

/** Exponential backoff from 1 s, capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(attempt - 1, 0), 300_000);
}

/**
 * Claims up to `limit` due deliveries (new ones, and posted cards whose update is due) and leases them
 * for `leaseMs`: longer than a send may take, so no replica claims a row whose send is still running.
 */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number): Promise<DeliveryJob[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const claimed = await queryRows<{ id: number }>(
    db,
    sql`UPDATE deliveries SET next_attempt_at = ${leaseUntil}, attempts = attempts + 1
        WHERE id IN (
          SELECT id FROM deliveries
          WHERE (status = 'pending' OR (status = 'posted' AND shown_version < want_version))
            AND next_attempt_at <= ${now}
          ORDER BY next_attempt_at, id
          LIMIT ${limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id`,
  );
  if (claimed.length === 0) return [];
  // Re-read through drizzle for typed columns (the raw RETURNING gives snake_case).
  const ids = claimed.map((r) => Number(r.id));
  const rows = await db
    .select()
    .from(deliveries)
    .where(sql`${deliveries.id} IN (${sql.join(ids, sql`, `)})`);
  const linking = rows.filter((r) => r.purpose !== "card").map((r) => r.approvalId);
  const cards = await cardCopies(db, [...new Set(linking)]);
  return rows.map((row) => ({
    ...row,
    cards:
      row.purpose === "card"
        ? []
        : cards.filter((c) => c.approvalId === row.approvalId).map(({ approvalId: _, ...copy }) => copy),
    saveProgress: async (notes) => {
      await db
        .update(deliveries)
        .set({ extra: sql`${deliveries.extra} || ${JSON.stringify(notes)}::jsonb` })
        .where(eq(deliveries.id, row.id));
    },
  }));
}

/** The job's message is on the platform, showing the version it was claimed at. */
export async function recordSent(db: Db, job: DeliveryJob, posted: Posted | undefined, now: Date) {
  await record(db, job, now, {
    ...(job.status === "pending" && posted ? { status: "posted" as const, ...posted } : {}),
    shownVersion: job.wantVersion,
    error: null,
    // Success resets the attempt count and makes a newer version due at once.
    attempts: 0,
    nextAttemptAt: now,
  });
}

/** The attempt failed: retried later, or given up (returned) when permanent or out of attempts. */
export async function recordFailure(
  db: Db,
  job: DeliveryJob,
  failure: Failure,
  now: Date,
): Promise<{ gaveUp: boolean }> {
  const gaveUp = !failure.retryable || job.attempts >= MAX_ATTEMPTS;
  const retryAt = new Date(now.getTime() + (failure.retryAfterMs ?? backoffMs(job.attempts)));
  await record(
    db,
    job,
    now,
    gaveUp && job.status === "pending"
      ? { status: "failed", error: failure.message }
      : gaveUp
        ? // A posted copy stays posted; this version of it is not coming.
          { shownVersion: job.wantVersion, error: failure.message }
        : { error: failure.message, nextAttemptAt: retryAt },
  );
  return { gaveUp };
}

/** Nothing can send it (its platform is off): failed, with the reason. */
export async function recordUndeliverable(db: Db, job: DeliveryJob, reason: string, now: Date) {
  await record(db, job, now, { status: "failed", error: reason });
}

async function record(db: Db, job: DeliveryJob, now: Date, set: Partial<DeliveryRow>): Promise<void> {
  await db
    .update(deliveries)
    .set({ ...set, updatedAt: now })
    .where(eq(deliveries.id, job.id));
}
