// How many approvals one agent may create a minute: past it, one agent could flood every approver's
// channels and inbox. Counted in the database, inside the creating transaction and under a lock per
// agent, so concurrent requests on any number of replicas share one count.
import { sql } from "drizzle-orm";
import { queryRows, type Tx } from "../../db/open.ts";
import { CodedError } from "../errors.ts";

const WINDOW_MS = 60_000;
export const APPROVALS_PER_AGENT_PER_MINUTE = 60;

/** Throws rate_limited (429, with retryAfterSeconds) when `agent` created `perMinute` in the last minute. */
export async function refuseOverAgentLimit(
  tx: Tx,
  agent: string,
  now: Date,
  perMinute: number,
): Promise<void> {
  // Held to the end of the transaction: the next creation by this agent counts this one.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`approvals-per-agent:${agent}`}))`);
  const since = new Date(now.getTime() - WINDOW_MS);
  const [row] = await queryRows<{ count: number | string; oldest: Date | string | null }>(
    tx,
    sql`SELECT count(*) AS count, min(created_at) AS oldest FROM approvals
        WHERE agent = ${agent} AND created_at > ${since.toISOString()}::timestamptz`,
  );
  const count = Number(row?.count ?? 0);
  if (count < perMinute) return;
  const oldest = row?.oldest ? new Date(row.oldest).getTime() : now.getTime();
  const retryAfterSeconds = Math.max(1, Math.ceil((oldest + WINDOW_MS - now.getTime()) / 1000));
  throw new CodedError(
    "rate_limited",
    `agent ${agent} has created ${count} approvals in the last minute, the most it may ` +
      `(COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE=${perMinute}); try again in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}
