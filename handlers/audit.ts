// The audit log: append-only (the database refuses UPDATE and DELETE) and hash-chained, with signed
// checkpoints of the chain's head (audit-checkpoints.ts), so that a row changed, removed or cut off behind
// the database's back (a superuser disabling the trigger and recomputing hashes) is caught by verify.
import type { KeyObject } from "node:crypto";
import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import type { Queryable, Tx } from "../db/open.ts";
import { auditCheckpoints, auditEvents } from "../db/schema.ts";
import type { AuditCheckpoint, AuditEvent, AuditPage, AuditVerification } from "../sdk/types.ts";
import { AuditProofChecker, GENESIS_HASH, type HashedEventFields, hashEvent } from "./audit-proof.ts";

export { GENESIS_HASH, hashEvent };

// Serialises appends to the chain across every process sharing the database, until the transaction ends.
const AUDIT_CHAIN_LOCK = 727_002;

export type AuditEventInput = HashedEventFields;

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

/** Every checkpoint, oldest first. */
export async function listCheckpoints(q: Queryable): Promise<AuditCheckpoint[]> {
  const rows = await q.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id));
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/**
 * Recomputes the whole chain in pages and checks every checkpoint against it with the keys given (the
 * server's own signing key, and any earlier ones it was told to trust); names each problem found.
 */
export async function verifyAudit(
  q: Queryable,
  keys: Map<string, KeyObject>,
  pageSize = 1000,
): Promise<AuditVerification> {
  const checker = new AuditProofChecker(await listCheckpoints(q), keys);
  let afterId = 0;
  for (;;) {
    const page = await listAudit(q, { afterId, limit: pageSize });
    for (const event of page.items) checker.add(event);
    if (page.nextCursor === null) return checker.finish();
    afterId = page.items.at(-1)!.id;
  }
}

/** Every event, oldest first (an export). */
export async function allAuditEvents(q: Queryable): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let afterId = 0;
  for (;;) {
    const page = await listAudit(q, { afterId });
    events.push(...page.items);
    if (page.nextCursor === null) return events;
    afterId = page.items.at(-1)!.id;
  }
}
