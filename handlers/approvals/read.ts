// Reading approvals: one, with its decision and the approvals given so far (quorum), and the sign-offs
// of many at once for a page of the queue.
import { asc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "../../db/open.ts";
import { approvals, decisions, signOffs } from "../../db/schema.ts";
import { CodedError } from "../errors.ts";
import type { ApprovalRow, DecisionRow, SignOffRow } from "./present.ts";

export interface FoundApproval {
  approval: ApprovalRow;
  decision: DecisionRow | null;
  /** The approvals given so far, oldest first. */
  signOffs: SignOffRow[];
}

export async function findApproval(q: Queryable, id: string): Promise<FoundApproval | null> {
  const [row] = await q
    .select()
    .from(approvals)
    .leftJoin(decisions, eq(decisions.approvalId, approvals.id))
    .where(eq(approvals.id, id))
    .limit(1);
  if (!row) return null;
  const { approvals: approval, decisions: decision } = row;
  if (!mayHaveSignOffs(approval)) return { approval, decision, signOffs: [] };
  const given = await signOffsOf(q, [id]);
  return { approval, decision, signOffs: given.get(id) ?? [] };
}

export async function requireApproval(q: Queryable, id: string): Promise<FoundApproval> {
  const found = await findApproval(q, id);
  if (!found) throw new CodedError("not_found", `no approval with id ${id}`);
  return found;
}

/** A single approver's sign-off commits with the decision, so a pending one has none to read. */
export function mayHaveSignOffs(a: Pick<ApprovalRow, "status" | "requiredApprovals">): boolean {
  return a.status !== "pending" || a.requiredApprovals > 1;
}

/** The sign-offs of each approval, oldest first (approvals without any are absent from the map). */
export async function signOffsOf(q: Queryable, ids: readonly string[]): Promise<Map<string, SignOffRow[]>> {
  const byApproval = new Map<string, SignOffRow[]>();
  if (ids.length === 0) return byApproval;
  const rows = await q
    .select()
    .from(signOffs)
    .where(inArray(signOffs.approvalId, [...ids]))
    .orderBy(asc(signOffs.decidedAt), asc(signOffs.decidedBy));
  for (const row of rows) {
    const list = byApproval.get(row.approvalId);
    if (list) list.push(row);
    else byApproval.set(row.approvalId, [row]);
  }
  return byApproval;
}
