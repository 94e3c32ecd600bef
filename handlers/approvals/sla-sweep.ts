// Recording SLA transitions: on_track → at_risk → breached, at the thresholds fixed when the approval was
// created. The live state is computed from the clock (handlers/sla.ts); what is recorded here is what has
// been acted on: the badge refreshed on every posted card and the audit event. A batch is claimed with
// FOR UPDATE SKIP LOCKED and moved by an UPDATE conditional on the state it was claimed in, so however
// many replicas sweep, and whatever restarts happen, each transition happens once. A sweep that finds an
// approval past both thresholds (the server was down) moves it straight to breached. Escalation levels
// fire on their own clock (escalation-sweep.ts).
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import { refreshCards } from "../../outbox/enqueue.ts";
import { appendAuditEvents } from "../audit.ts";
import type { HandlerDeps } from "../deps.ts";
import { SWEEPER_ACTOR } from "./expire.ts";

export interface SlaTransition {
  approvalId: string;
  from: "on_track" | "at_risk";
  to: "at_risk" | "breached";
}

/** Records up to `limit` due SLA transitions in one transaction; returns them. */
export async function recordSlaTransitions(deps: HandlerDeps, limit = 100): Promise<SlaTransition[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    const rows = await queryRows<{ id: string; from: SlaTransition["from"]; to: SlaTransition["to"] }>(
      tx,
      sql`WITH due AS (
            SELECT id, sla_state AS prev_state
            FROM approvals
            WHERE status = 'pending' AND expires_at > ${now}
              AND ((sla_state = 'on_track' AND sla_at_risk_at <= ${now})
                OR (sla_state IN ('on_track', 'at_risk') AND sla_breach_at <= ${now}))
            ORDER BY sla_at_risk_at, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          UPDATE approvals a
          SET sla_state = CASE WHEN a.sla_breach_at <= ${now} THEN 'breached' ELSE 'at_risk' END
          FROM due
          WHERE a.id = due.id AND a.status = 'pending' AND a.sla_state = due.prev_state
          RETURNING a.id, due.prev_state AS "from", a.sla_state AS "to"`,
    );
    if (rows.length === 0) return [];
    await refreshCards(
      tx,
      rows.map((r) => r.id),
      now,
    );
    await appendAuditEvents(
      tx,
      rows.map((r) => ({
        type: "approval.sla_changed",
        approvalId: r.id,
        actor: SWEEPER_ACTOR,
        at: now,
        data: { from: r.from, to: r.to },
      })),
    );
    return rows.map((r) => ({ approvalId: r.id, from: r.from, to: r.to }));
  });
}
