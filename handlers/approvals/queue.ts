// The cross-agent queue: newest first (the API's default) or most urgent first (chat and terminal),
// filtered by status, agent, tool and approver, paged with an opaque cursor.
import { and, asc, type Column, desc, eq, inArray, ne, or, type SQL, sql } from "drizzle-orm";
import { queryRows } from "../../db/open.ts";
import { approvals, decisions, signOffs } from "../../db/schema.ts";
import type { Approval, ApprovalPage } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { presentApproval } from "./present.ts";
import { mayHaveSignOffs, requireApproval, signOffsOf } from "./read.ts";
import type { Actor } from "./types.ts";

export const STATUS_FILTERS = ["pending", "decided", "approved", "rejected", "expired", "all"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export interface QueueQuery {
  status?: StatusFilter;
  agent?: string | undefined;
  tool?: string | undefined;
  /** Only approvals this person may decide: by email, or through a Team's Slack user group. */
  approver?: Actor | undefined;
  /** newest: by creation, newest first. urgent: by deadline, soonest first. */
  order?: "newest" | "urgent";
  limit?: number;
  cursor?: string | undefined;
}

interface Cursor {
  /** The last item's sort key: an ISO time to the microsecond, as PostgreSQL stores it (a JS Date keeps
   * only milliseconds, so a row written by SQL's now() would be repeated on the next page). */
  k: string;
  id: string;
}

/** The sort key exactly as stored, for the cursor: microseconds, in UTC. */
const exactTime = (column: Column) =>
  sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    // PostgreSQL refuses a NUL in a text parameter, which a crafted cursor could otherwise smuggle in.
    const valid = typeof c.k === "string" && typeof c.id === "string" && !c.id.includes("\u0000");
    if (valid && !Number.isNaN(Date.parse(c.k))) return c;
  } catch {}
  throw new CodedError("bad_request", "cursor is not one this server handed out");
}

export async function listQueue(deps: HandlerDeps, q: QueueQuery): Promise<ApprovalPage> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
  const urgent = q.order === "urgent";
  const sortColumn = urgent ? approvals.expiresAt : approvals.createdAt;
  const where: (SQL | undefined)[] = [statusCondition(q.status ?? "pending")];
  if (q.agent) where.push(eq(approvals.agent, q.agent));
  if (q.tool) where.push(or(eq(approvals.tool, q.tool), eq(approvals.action, q.tool)));
  if (q.approver) where.push(mayDecide(q.approver));
  // What waits for a person is what they can still approve: not what they asked for themselves, nor
  // what they already approved toward a quorum.
  if (q.approver && (q.status ?? "pending") === "pending") where.push(awaits(q.approver));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    // A row comparison, not `a > k OR (a = k AND id > i)`: PostgreSQL bounds the index scan with it, so
    // page 100 reads its 51 rows instead of reading and discarding the 4,950 before them. Both columns
    // are NOT NULL, so the row comparison orders exactly as ORDER BY does.
    const k = sql`${c.k}::timestamptz`;
    where.push(
      urgent
        ? sql`(${sortColumn}, ${approvals.id}) > (${k}, ${c.id})`
        : sql`(${sortColumn}, ${approvals.id}) < (${k}, ${c.id})`,
    );
  }
  const rows = await deps.database.db
    .select({ approvals, decisions, sortKey: exactTime(sortColumn) })
    .from(approvals)
    .leftJoin(decisions, eq(decisions.approvalId, approvals.id))
    .where(and(...where))
    .orderBy(...(urgent ? [asc(sortColumn), asc(approvals.id)] : [desc(sortColumn), desc(approvals.id)]))
    .limit(limit + 1);
  const now = deps.clock.now();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const given = await signOffsOf(
    deps.database.db,
    page.filter((r) => mayHaveSignOffs(r.approvals)).map((r) => r.approvals.id),
  );
  return {
    items: page.map((r) => presentApproval(r.approvals, r.decisions, now, given.get(r.approvals.id))),
    nextCursor: rows.length > limit && last ? encodeCursor({ k: last.sortKey, id: last.approvals.id }) : null,
  };
}

/** isApprover (entitlement.ts) as a condition on the table, to list what the actor may decide. */
function mayDecide(actor: Actor): SQL {
  const byEmail = sql`${approvals.approvers} @> ${JSON.stringify([actor.email.toLowerCase()])}::jsonb`;
  const groups = actor.slackGroups ?? [];
  if (groups.length === 0) return byEmail;
  const byGroup = sql`${approvals.approverSlackGroups} ?| ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(groups)}::jsonb))`;
  return sql`(${byEmail} OR ${byGroup})`;
}

/** Not asked for by actor (separation of duties), and not yet approved by them (quorum). */
function awaits(actor: Actor): SQL {
  const email = actor.email.toLowerCase();
  return sql`(${approvals.requestedBy} IS DISTINCT FROM ${email} AND NOT EXISTS (
    SELECT 1 FROM ${signOffs} WHERE ${signOffs.approvalId} = ${approvals.id} AND ${signOffs.decidedBy} = ${email}))`;
}

function statusCondition(status: StatusFilter): SQL | undefined {
  switch (status) {
    case "all":
      return undefined;
    case "decided":
      return ne(approvals.status, "pending");
    default:
      return inArray(approvals.status, [status]);
  }
}

export async function getApproval(deps: HandlerDeps, id: string): Promise<Approval> {
  const found = await requireApproval(deps.database.db, id);
  return presentApproval(found.approval, found.decision, deps.clock.now(), found.signOffs);
}

/** How many approvals wait for a decision (the pending-count badge, /metrics). */
export async function pendingCount(deps: HandlerDeps): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    deps.database.db,
    sql`SELECT count(*)::int AS n FROM approvals WHERE status = 'pending'`,
  );
  return row?.n ?? 0;
}
