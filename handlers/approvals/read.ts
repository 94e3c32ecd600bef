// Reading approvals: one, with its decision, and the standing decision for a 409.
import { eq } from "drizzle-orm";
import type { Queryable } from "../../db/open.ts";
import { approvals, decisions } from "../../db/schema.ts";
import { CodedError } from "../errors.ts";
import type { ApprovalRow, DecisionRow } from "./present.ts";

export async function findApproval(
  q: Queryable,
  id: string,
): Promise<{ approval: ApprovalRow; decision: DecisionRow | null } | null> {
  const [row] = await q
    .select()
    .from(approvals)
    .leftJoin(decisions, eq(decisions.approvalId, approvals.id))
    .where(eq(approvals.id, id))
    .limit(1);
  return row ? { approval: row.approvals, decision: row.decisions } : null;
}

export async function requireApproval(q: Queryable, id: string) {
  const found = await findApproval(q, id);
  if (!found) throw new CodedError("not_found", `no approval with id ${id}`);
  return found;
}
