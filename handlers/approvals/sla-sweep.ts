// Recording SLA transitions: on_track → at_risk → breached, at the thresholds fixed when the approval was
// created. The live state is computed from the clock (handlers/sla.ts); what is recorded here is what has
// been acted on: the badge refreshed on every posted card, the audit event, and at breached the one
// escalation. A batch is claimed with FOR UPDATE SKIP LOCKED and moved by an UPDATE conditional on the
// state it was claimed in; escalated_at is set in that same UPDATE only while it is NULL. So however many
// replicas sweep, and whatever restarts happen, each transition and each escalation happens once. A
// sweep that finds an approval past both thresholds (the server was down) moves it straight to breached,
// and still escalates it once. An approval past its expiry is left to expiry: it is not escalated.
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import { refreshCards } from "../../outbox/enqueue.ts";
import { appendAuditEvents } from "../audit.ts";
import type { HandlerDeps } from "../deps.ts";
import { queueEscalations } from "./escalate.ts";
import { SWEEPER_ACTOR } from "./expire.ts";

export interface SlaTransition {
  approvalId: string;
  from: "on_track" | "at_risk";
  to: "at_risk" | "breached";
  /** True for the one transition that escalated the approval. */
  escalated: boolean;
}

interface TransitionRow {
  id: string;
  from: "on_track" | "at_risk";
  to: "at_risk" | "breached";
  escalated: boolean;
  escalate_to: string[];
  escalation_channels: string[];
  sla_breach_at: Date | string;
  expires_at: Date | string;
}

/** Records up to `limit` due SLA transitions in one transaction; returns them. */
export async function recordSlaTransitions(deps: HandlerDeps, limit = 100): Promise<SlaTransition[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const rows = await queryRows<TransitionRow>(
      tx,
      sql`WITH due AS (
            SELECT id, sla_state AS prev_state, escalated_at AS prev_escalated_at
            FROM approvals
            WHERE status = 'pending' AND expires_at > ${now}
              AND ((sla_state = 'on_track' AND sla_at_risk_at <= ${now})
                OR (sla_state IN ('on_track', 'at_risk') AND sla_breach_at <= ${now}))
            ORDER BY sla_at_risk_at, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          UPDATE approvals a
          SET sla_state = CASE WHEN a.sla_breach_at <= ${now} THEN 'breached' ELSE 'at_risk' END,
              escalated_at = CASE
                WHEN a.sla_breach_at <= ${now} AND a.escalated_at IS NULL
                  AND (jsonb_array_length(a.escalate_to) > 0 OR jsonb_array_length(a.escalation_channels) > 0)
                THEN ${now}::timestamptz ELSE a.escalated_at END
          FROM due
          WHERE a.id = due.id AND a.status = 'pending' AND a.sla_state = due.prev_state
          RETURNING a.id, due.prev_state AS "from", a.sla_state AS "to",
            (due.prev_escalated_at IS NULL AND a.escalated_at IS NOT NULL) AS escalated,
            a.escalate_to, a.escalation_channels, a.sla_breach_at, a.expires_at`,
    );
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await refreshCards(tx, ids, now);

    const escalated = rows.filter((r) => r.escalated);
    const queued = await queueEscalations(
      tx,
      deps.resources(),
      escalated.map((r) => ({
        approvalId: r.id,
        escalateTo: r.escalate_to,
        escalationChannels: r.escalation_channels,
        slaBreachAt: new Date(r.sla_breach_at),
        expiresAt: new Date(r.expires_at),
      })),
      now,
    );

    await appendAuditEvents(tx, [
      ...rows.map((r) => ({
        type: "approval.sla_changed",
        approvalId: r.id,
        actor: SWEEPER_ACTOR,
        at: now,
        data: { from: r.from, to: r.to },
      })),
      ...escalated.map((r) => ({
        type: "approval.escalated",
        approvalId: r.id,
        actor: SWEEPER_ACTOR,
        at: now,
        data: {
          escalateTo: r.escalate_to,
          escalationChannels: r.escalation_channels,
          notified: (queued.get(r.id) ?? []).map((t) => t.channel),
        },
      })),
    ]);
    return rows.map((r) => ({ approvalId: r.id, from: r.from, to: r.to, escalated: r.escalated }));
  });
}
