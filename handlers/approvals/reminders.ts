// Reminders (sla.remindEveryMinutes): every interval, the approvers who have not acted on a pending
// approval are told again — each by a Slack DM when the resources know their Slack id, by email otherwise
// — and each routed Teams conversation gets the card again naming who is awaited. Who "has not acted":
// routed approvers without a sign-off, leaving out the requester (who cannot approve). The next reminder
// time only moves forward through an UPDATE conditional on the value the batch was claimed at (FOR UPDATE
// SKIP LOCKED), so each reminder goes out once per interval however many replicas sweep; a decided
// approval is never claimed, and its reminders not yet sent are dropped when it is decided.
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import { enqueue, type NewDelivery } from "../../outbox/enqueue.ts";
import { platformOf } from "../../outbox/platforms.ts";
import { type AuditEventInput, appendAuditEvents } from "../audit.ts";
import type { HandlerDeps } from "../deps.ts";
import { escalationTargets } from "./escalate.ts";
import { SWEEPER_ACTOR } from "./expire.ts";
import { signOffsOf } from "./read.ts";

export interface SentReminder {
  approvalId: string;
  /** The approvers reminded (emails). */
  awaited: string[];
}

interface DueRow {
  id: string;
  approvers: string[];
  channels: string[];
  requested_by: string | null;
}

/**
 * Queues the reminders due for up to `limit` approvals in one transaction; returns each approval claimed
 * with whom it reminded (nobody, when everyone who may still approve has).
 */
export async function sendDueReminders(deps: HandlerDeps, limit = 100): Promise<SentReminder[]> {
  const now = deps.clock.now();
  return deps.database.db.transaction(async (tx) => {
    // The next reminder is one interval after the one due; if the sweep fell further behind than that
    // (servers down), one interval from now, so reminders never come in a burst.
    const rows = await queryRows<DueRow>(
      tx,
      sql`WITH due AS (
            SELECT id, next_reminder_at AS was
            FROM approvals
            WHERE status = 'pending' AND next_reminder_at <= ${now} AND expires_at > ${now}
            ORDER BY next_reminder_at, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          UPDATE approvals a
          SET next_reminder_at = greatest(
                due.was + (a.remind_every_minutes #>> '{}')::float8 * interval '1 minute',
                ${now}::timestamptz + (a.remind_every_minutes #>> '{}')::float8 * interval '1 minute')
          FROM due
          WHERE a.id = due.id AND a.status = 'pending' AND a.next_reminder_at = due.was
          RETURNING a.id, a.approvers, a.channels, a.requested_by`,
    );
    if (rows.length === 0) return [];
    const given = await signOffsOf(
      tx,
      rows.map((r) => r.id),
    );
    const resources = deps.resources();
    const sent: SentReminder[] = [];
    const messages: NewDelivery[] = [];
    const events: AuditEventInput[] = [];
    for (const r of rows) {
      const acted = new Set((given.get(r.id) ?? []).map((s) => s.decidedBy));
      const awaited = r.approvers.filter((email) => !acted.has(email) && email !== r.requested_by);
      sent.push({ approvalId: r.id, awaited });
      if (awaited.length === 0) continue;
      const teams = r.channels.filter((c) => platformOf(c) === "teams");
      const targets = escalationTargets(resources, awaited, teams);
      for (const t of targets) {
        messages.push({
          approvalId: r.id,
          purpose: "reminder",
          channel: t.channel,
          extra: { person: t.person, awaited },
        });
      }
      events.push({
        type: "approval.reminded",
        approvalId: r.id,
        actor: SWEEPER_ACTOR,
        at: now,
        data: { awaited, notified: targets.map((t) => t.channel) },
      });
    }
    await enqueue(tx, messages, now);
    await appendAuditEvents(tx, events);
    return sent;
  });
}
