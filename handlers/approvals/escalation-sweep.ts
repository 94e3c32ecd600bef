// Firing escalation levels: each level of each approval exactly once, in order, across replicas and
// restarts. The level counter (escalation_level) only moves forward through an UPDATE conditional on the
// value the batch was claimed at (FOR UPDATE SKIP LOCKED), so of any number of sweepers exactly one moves
// it; the messages and audit events of the levels it passed commit in the same transaction. A sweep that
// finds several levels due (the servers were down) fires each of them, in order. An approval past its
// expiry is left to expiry: it is not escalated.
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import type { StoredEscalation } from "../../db/schema.ts";
import { appendAuditEvents } from "../audit.ts";
import type { HandlerDeps } from "../deps.ts";
import { type Escalation, queueEscalations } from "./escalate.ts";
import { SWEEPER_ACTOR } from "./expire.ts";

export interface FiredEscalation {
  approvalId: string;
  /** 1-based. */
  level: number;
  levels: number;
}

interface FiredRow {
  id: string;
  prev_level: number;
  level: number;
  escalations: StoredEscalation[];
  sla_breach_at: Date | string;
  expires_at: Date | string;
}

/** Fires the due levels of up to `limit` approvals in one transaction; returns each level fired. */
export async function fireEscalations(deps: HandlerDeps, limit = 100): Promise<FiredEscalation[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const rows = await queryRows<FiredRow>(
      tx,
      sql`WITH due AS (
            SELECT id, escalation_level AS prev_level,
              (SELECT count(*)::int FROM jsonb_array_elements(escalations) e
                WHERE (e ->> 'at')::timestamptz <= ${now}) AS reached
            FROM approvals
            WHERE status = 'pending' AND next_escalation_at <= ${now} AND expires_at > ${now}
            ORDER BY next_escalation_at, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          UPDATE approvals a
          SET escalation_level = due.reached,
              next_escalation_at = (a.escalations -> due.reached ->> 'at')::timestamptz,
              escalated_at = coalesce(a.escalated_at, ${now}::timestamptz)
          FROM due
          WHERE a.id = due.id AND a.status = 'pending' AND a.escalation_level = due.prev_level
            AND due.reached > due.prev_level
          RETURNING a.id, due.prev_level, a.escalation_level AS level, a.escalations, a.sla_breach_at,
            a.expires_at`,
    );
    const fired: Escalation[] = rows.flatMap((r) =>
      r.escalations.slice(r.prev_level, r.level).map((stored, i) => ({
        approvalId: r.id,
        level: r.prev_level + i + 1,
        levels: r.escalations.length,
        escalateTo: stored.to,
        escalationChannels: stored.channels,
        slaBreachAt: new Date(r.sla_breach_at),
        expiresAt: new Date(r.expires_at),
      })),
    );
    if (fired.length === 0) return [];
    const queued = await queueEscalations(tx, deps.resources(), fired, now);
    await appendAuditEvents(
      tx,
      fired.map((e, i) => ({
        type: "approval.escalated",
        approvalId: e.approvalId,
        actor: SWEEPER_ACTOR,
        at: now,
        data: {
          level: e.level,
          levels: e.levels,
          escalateTo: e.escalateTo,
          escalationChannels: e.escalationChannels,
          notified: queued[i]!.map((t) => t.channel),
        },
      })),
    );
    return fired.map((e) => ({ approvalId: e.approvalId, level: e.level, levels: e.levels }));
  });
}
