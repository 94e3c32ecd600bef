// The audit log: append-only (the database refuses UPDATE and DELETE) and hash-chained, so that a row
// changed or removed behind the database's back (a superuser disabling the trigger) is caught by verify.
import { createHash } from "node:crypto";
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import type { Queryable, Tx } from "../db/open.ts";
import { auditEvents } from "../db/schema.ts";
import type { AuditPage, AuditVerification } from "../sdk/types.ts";
import { canonicalJson } from "./canonical-json.ts";

export const GENESIS_HASH = "0".repeat(64);
// Serialises appends to the chain across every process sharing the database, until the transaction ends.
const AUDIT_CHAIN_LOCK = 727_002;

export interface AuditEventInput {
  type: string;
  approvalId?: string | null;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

export function hashEvent(prevHash: string, e: AuditEventInput): string {
  const body = canonicalJson({
    type: e.type,
    approvalId: e.approvalId ?? null,
    actor: e.actor,
    data: e.data,
    at: e.at.toISOString(),
  });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

/** Appends one event inside the caller's transaction; it commits or rolls back with the state change. */
export async function appendAudit(tx: Tx, event: AuditEventInput): Promise<void> {
  await appendAuditEvents(tx, [event]);
}

/**
 * Appends events in order with one chain read and one INSERT, so a batch (the sweeper's) holds the chain
 * lock for two statements rather than two per event. The rows of a multi-row VALUES get their ids in
 * list order, which is the order the chain links them.
 */
export async function appendAuditEvents(tx: Tx, events: AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows = events.map((event) => {
    // Postgres keeps microseconds, JS milliseconds: hash what will read back.
    const at = new Date(Math.floor(event.at.getTime()));
    const hash = hashEvent(prevHash, { ...event, at });
    const row = {
      at,
      type: event.type,
      approvalId: event.approvalId ?? null,
      actor: event.actor,
      data: event.data,
      prevHash,
      hash,
    };
    prevHash = hash;
    return row;
  });
  await tx.insert(auditEvents).values(rows);
}

/** One page of events, oldest first, after the event `afterId`; nextCursor is null on the last page. */
export async function listAudit(
  q: Queryable,
  opts: { approvalId?: string | undefined; afterId?: number | undefined; limit?: number } = {},
): Promise<AuditPage> {
  const limit = opts.limit ?? 1000;
  const rows = await q
    .select()
    .from(auditEvents)
    .where(
      and(
        opts.approvalId ? eq(auditEvents.approvalId, opts.approvalId) : undefined,
        opts.afterId !== undefined ? gt(auditEvents.id, opts.afterId) : undefined,
      ),
    )
    .orderBy(asc(auditEvents.id))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map((r) => ({
    id: r.id,
    at: r.at.toISOString(),
    type: r.type,
    approvalId: r.approvalId,
    actor: r.actor,
    data: r.data as Record<string, unknown>,
    prevHash: r.prevHash,
    hash: r.hash,
  }));
  return { items, nextCursor: rows.length > limit ? String(items.at(-1)!.id) : null };
}

/** Recomputes the whole chain in pages; names the first event whose hash or link does not hold. */
export async function verifyAudit(q: Queryable, pageSize = 1000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const page = await q
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, afterId))
      .orderBy(asc(auditEvents.id))
      .limit(pageSize);
    for (const row of page) {
      const expected = hashEvent(prevHash, { ...row, data: row.data as Record<string, unknown> });
      if (row.prevHash !== prevHash || row.hash !== expected) {
        return { ok: false, checked, firstBadEventId: row.id };
      }
      prevHash = row.hash;
      checked++;
      afterId = row.id;
    }
    if (page.length < pageSize) return { ok: true, checked };
  }
}
