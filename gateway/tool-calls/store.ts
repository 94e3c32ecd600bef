// The race-safe SQL of tool calls. Every change is a conditional UPDATE on the status it expects, and
// carries its NOTIFY in the same statement, so waiters hear of exactly the changes that committed.
import { and, desc, eq, gte, inArray, or, sql } from "drizzle-orm";
import { executeNamed, type Queryable, queryRows } from "../../db/open.ts";
import { approvals, toolCalls } from "../../db/schema.ts";
import { storableJsonText } from "../../handlers/storable-json.ts";
import { TOOL_CALL_CHANGED } from "./channel.ts";
import type { ToolCallRow } from "./view.ts";

export type NewToolCall = typeof toolCalls.$inferInsert;

/** How an execution ended, as stored. */
export interface Outcome {
  status: "succeeded" | "failed" | "outcome_unknown";
  result: unknown;
  error: string | null;
  reason: string | null;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
// A tool's answer cannot be refused once the tool acted: it is stored in a form jsonb takes.
const result = (v: unknown) => sql`${storableJsonText(v)}::jsonb`;

/**
 * Inserts the call; false when it lost a race: its idempotency key is already taken by this agent, or an
 * identical call (its repeat key) already waits for approval.
 */
export async function insertCall(q: Queryable, call: NewToolCall): Promise<boolean> {
  if (call.idempotencyKey == null && call.repeatKey == null) {
    await q.insert(toolCalls).values(call);
    return true;
  }
  const insert = q.insert(toolCalls).values(call);
  const inserted = await (call.idempotencyKey != null
    ? insert.onConflictDoNothing({ target: [toolCalls.agent, toolCalls.idempotencyKey] })
    : insert.onConflictDoNothing({
        target: [toolCalls.agent, toolCalls.repeatKey],
        where: sql`status = 'waiting_for_approval' AND repeat_key IS NOT NULL`,
      })
  ).returning({ id: toolCalls.id });
  return inserted.length > 0;
}

/**
 * Records finished calls of idempotent tools (the allowed-call hot path) in one statement, after their
 * agents have the answer (finished-calls.ts). A row already stored is left as it is, so a statement retried
 * after a lost answer stores nothing twice. The commit is asynchronous: a WAL flush costs more than the
 * rest of the call together on ordinary disks, and the call a lost record describes was safe to repeat;
 * everything else (approvals, decisions, executing markers of non-idempotent calls) commits synchronously.
 */
export async function recordFinishedCalls(q: Queryable, calls: ToolCallRow[]): Promise<void> {
  // The rows travel as one JSON parameter, which costs less than binding sixteen parameters a row.
  await executeNamed(
    q,
    "record_finished_calls",
    sql`
    INSERT INTO tool_calls (id, agent, tool, input, request_hash, idempotency_key, status, reason, policy,
      rule, approval_id, result, error, attempts, created_at, updated_at)
    SELECT r.id, r.agent, r.tool, r.input, r.request_hash, r.idempotency_key, r.status, r.reason,
      r.policy, r.rule, r.approval_id, coalesce(r.result, 'null'::jsonb), r.error, r.attempts, r.created_at,
      r.updated_at
    FROM jsonb_to_recordset(${`[${calls.map(finishedCallJson).join(",")}]`}::jsonb) AS r(id text, agent text,
      tool text, input jsonb, request_hash text, idempotency_key text, status text, reason text,
      policy text, rule int, approval_id text, result jsonb, error text, attempts int,
      created_at timestamptz, updated_at timestamptz)
    CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
    ON CONFLICT (id) DO NOTHING`,
  );
}

/** A value as JSON; a missing one is null, as when the rows were one object given to JSON.stringify. */
const text = (v: unknown): string => (v === undefined ? "null" : JSON.stringify(v));

/**
 * One row of recordFinishedCalls' parameter. input and result go in as JSON values, so PostgreSQL parses
 * each once (as JSON texts inside strings they were escaped here and parsed twice there: about a quarter
 * of PGlite's time per row). jsonb_to_recordset reads a JSON null as SQL NULL, which the INSERT turns
 * back into the JSON null every other call's null result is stored as.
 */
function finishedCallJson(c: ToolCallRow): string {
  return (
    `{"id":${text(c.id)},"agent":${text(c.agent)},"tool":${text(c.tool)},"input":${text(c.input)},` +
    `"request_hash":${text(c.requestHash)},"idempotency_key":${text(c.idempotencyKey)},` +
    `"status":${text(c.status)},"reason":${text(c.reason)},"policy":${text(c.policy)},` +
    `"rule":${text(c.rule)},"approval_id":${text(c.approvalId)},` +
    `"result":${storableJsonText(c.result) ?? "null"},"error":${text(c.error)},` +
    `"attempts":${text(c.attempts)},"created_at":${text(c.createdAt.toISOString())},` +
    `"updated_at":${text(c.updatedAt.toISOString())}}`
  );
}

export async function findCall(q: Queryable, id: string): Promise<ToolCallRow | null> {
  const [row] = await q.select().from(toolCalls).where(eq(toolCalls.id, id)).limit(1);
  return row ?? null;
}

/** The call and, while it waits for a human, when its approval expires. */
export async function findCallForWait(
  q: Queryable,
  id: string,
): Promise<{ call: ToolCallRow; approvalExpiresAt: Date | null } | null> {
  const [row] = await q
    .select({ call: toolCalls, approvalExpiresAt: approvals.expiresAt })
    .from(toolCalls)
    .leftJoin(approvals, eq(approvals.id, toolCalls.approvalId))
    .where(eq(toolCalls.id, id))
    .limit(1);
  return row ?? null;
}

export async function findByIdempotencyKey(
  q: Queryable,
  agent: string,
  key: string,
): Promise<ToolCallRow | null> {
  const [row] = await q
    .select()
    .from(toolCalls)
    .where(and(eq(toolCalls.agent, agent), eq(toolCalls.idempotencyKey, key)))
    .limit(1);
  return row ?? null;
}

/**
 * The call an identical one attaches to: the agent's latest call with this repeat key that still waits
 * for its approval, or whose approval was decided at or after `decidedSince`.
 */
export async function findRepeat(
  q: Queryable,
  agent: string,
  repeatKey: string,
  decidedSince: Date,
): Promise<{ call: ToolCallRow; decidedAt: Date | null } | null> {
  const [row] = await q
    .select({ call: toolCalls, decidedAt: approvals.decidedAt })
    .from(toolCalls)
    .innerJoin(approvals, eq(approvals.id, toolCalls.approvalId))
    .where(
      and(
        eq(toolCalls.agent, agent),
        eq(toolCalls.repeatKey, repeatKey),
        or(eq(toolCalls.status, "waiting_for_approval"), gte(approvals.decidedAt, decidedSince)),
      ),
    )
    .orderBy(desc(toolCalls.createdAt))
    .limit(1);
  return row ?? null;
}

/** Current status of each id that exists (the waiters' fallback poll). */
export async function callStatuses(q: Queryable, ids: string[]): Promise<Map<string, string>> {
  const rows = await q
    .select({ id: toolCalls.id, status: toolCalls.status })
    .from(toolCalls)
    .where(inArray(toolCalls.id, ids));
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Runs `UPDATE tool_calls SET … WHERE …` with a NOTIFY per changed row; returns the changed rows. */
async function updateAndNotify(
  q: Queryable,
  set: ReturnType<typeof sql>,
  where: ReturnType<typeof sql>,
): Promise<ToolCallRow[]> {
  const rows = await queryRows<RawRow>(
    q,
    sql`WITH changed AS (UPDATE tool_calls SET ${set} WHERE ${where} RETURNING *)
        SELECT changed.*, pg_notify(${TOOL_CALL_CHANGED}, changed.id) AS notified FROM changed`,
  );
  return rows.map(fromRaw);
}

/** Records how an execution ended, if this execution (status executing, this attempt) still owns it. */
export async function finishCall(
  q: Queryable,
  id: string,
  attempt: number,
  outcome: Outcome,
  now: Date,
): Promise<ToolCallRow | null> {
  const [row] = await updateAndNotify(
    q,
    sql`status = ${outcome.status}, result = ${result(outcome.result)}, error = ${outcome.error},
        reason = ${outcome.reason}, lease_until = NULL, updated_at = ${ts(now)}`,
    sql`id = ${id} AND status = 'executing' AND attempts = ${attempt}`,
  );
  return row ?? null;
}

/** waiting_for_approval → executing (attempt 1), only once the approval is approved: one claimant wins. */
export async function claimApproved(
  q: Queryable,
  id: string,
  leaseUntil: Date,
  now: Date,
): Promise<ToolCallRow | null> {
  const [row] = await updateAndNotify(
    q,
    sql`status = 'executing', attempts = 1, lease_until = ${ts(leaseUntil)}, updated_at = ${ts(now)}`,
    sql`id = ${id} AND status = 'waiting_for_approval' AND EXISTS (
          SELECT 1 FROM approvals a WHERE a.id = tool_calls.approval_id AND a.status = 'approved')`,
  );
  return row ?? null;
}

/** A decision tool's call ends with its approval: waiting_for_approval → succeeded, no HTTP call. */
export async function settleDecisionCall(
  q: Queryable,
  id: string,
  answer: unknown,
  now: Date,
): Promise<ToolCallRow | null> {
  const [row] = await updateAndNotify(
    q,
    sql`status = 'succeeded', result = ${result(answer)}, updated_at = ${ts(now)}`,
    sql`id = ${id} AND status = 'waiting_for_approval'`,
  );
  return row ?? null;
}

/**
 * Takes an executing call over for its next attempt (a retry, or a recovered idempotent call): bumps
 * attempts and the lease if `attempt` still owns it. Returns false when someone else moved it on.
 */
export async function nextAttempt(
  q: Queryable,
  id: string,
  attempt: number,
  leaseUntil: Date,
  now: Date,
): Promise<boolean> {
  const rows = await updateAndNotify(
    q,
    sql`attempts = attempts + 1, lease_until = ${ts(leaseUntil)}, updated_at = ${ts(now)}`,
    sql`id = ${id} AND status = 'executing' AND attempts = ${attempt}`,
  );
  return rows.length > 0;
}

/** Extends the lease of a call this execution (status executing, this attempt) still holds. */
export async function renewLease(q: Queryable, id: string, attempt: number, leaseUntil: Date): Promise<void> {
  await q
    .update(toolCalls)
    .set({ leaseUntil })
    .where(and(eq(toolCalls.id, id), eq(toolCalls.status, "executing"), eq(toolCalls.attempts, attempt)));
}

/** Executing calls whose lease has passed (every executing call when `before` is null). */
export async function staleExecutions(
  q: Queryable,
  before: Date | null,
): Promise<{ id: string; tool: string; attempts: number }[]> {
  const rows = await q
    .select({ id: toolCalls.id, tool: toolCalls.tool, attempts: toolCalls.attempts })
    .from(toolCalls)
    .where(
      and(
        eq(toolCalls.status, "executing"),
        before ? sql`${toolCalls.leaseUntil} < ${ts(before)}` : undefined,
      ),
    )
    .limit(500);
  return rows;
}

/** Calls whose approval is approved but that no process has claimed (a lost notification, a crash). */
export async function approvedUnclaimed(q: Queryable): Promise<string[]> {
  const rows = await q
    .select({ id: toolCalls.id })
    .from(toolCalls)
    .innerJoin(approvals, eq(approvals.id, toolCalls.approvalId))
    .where(and(eq(toolCalls.status, "waiting_for_approval"), eq(approvals.status, "approved")))
    .limit(500);
  return rows.map((r) => r.id);
}

interface RawRow {
  id: string;
  agent: string;
  tool: string;
  input: unknown;
  request_hash: string;
  idempotency_key: string | null;
  repeat_key: string | null;
  status: string;
  reason: string | null;
  policy: string | null;
  rule: number | null;
  approval_id: string | null;
  original_input: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  lease_until: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function fromRaw(r: RawRow): ToolCallRow {
  return {
    id: r.id,
    agent: r.agent,
    tool: r.tool,
    input: r.input,
    requestHash: r.request_hash,
    idempotencyKey: r.idempotency_key,
    repeatKey: r.repeat_key,
    status: r.status,
    reason: r.reason,
    policy: r.policy,
    rule: r.rule,
    approvalId: r.approval_id,
    originalInput: r.original_input,
    result: r.result,
    error: r.error,
    attempts: r.attempts,
    leaseUntil: r.lease_until === null ? null : new Date(r.lease_until),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}
