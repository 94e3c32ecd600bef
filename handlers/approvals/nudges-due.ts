// The sweeper's first look for escalations and reminders: most sweeps find none due, and one query
// answering both (the partial indexes on pending rows make it cheap) spares two transactions that would
// claim nothing.
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import type { HandlerDeps } from "../deps.ts";

export interface NudgesDue {
  escalations: boolean;
  reminders: boolean;
}

export async function nudgesDue(deps: HandlerDeps): Promise<NudgesDue> {
  const now = deps.clock.now();
  const [row] = await queryRows<NudgesDue>(
    deps.database.db,
    sql`SELECT
          EXISTS (SELECT 1 FROM approvals WHERE status = 'pending' AND next_escalation_at <= ${now}
                    AND expires_at > ${now}) AS escalations,
          EXISTS (SELECT 1 FROM approvals WHERE status = 'pending' AND next_reminder_at <= ${now}
                    AND expires_at > ${now}) AS reminders`,
  );
  return { escalations: row?.escalations === true, reminders: row?.reminders === true };
}
