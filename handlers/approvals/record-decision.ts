// The one place an approval leaves "pending". First decision wins in SQL: the UPDATE only matches a
// pending row, so of any number of racing deciders (approvers, Slack retries, the sweeper, replicas)
// exactly one gets a row back; the rest see the standing decision.
import { and, eq, gt, inArray, lte } from "drizzle-orm";
import { notifyChanged } from "../../db/notify.ts";
import type { Tx } from "../../db/open.ts";
import { approvals, decisions, toolCalls } from "../../db/schema.ts";
import { refreshCards } from "../../outbox/enqueue.ts";
import { appendAuditEvents } from "../audit.ts";
import { APPROVAL_CHANGED } from "../channels.ts";
import type { ApprovalRow, DecisionRow } from "./present.ts";

export interface NewDecision {
  decision: "approve" | "reject";
  kind: "human" | "override" | "timeout";
  via: string;
  decidedBy: string;
  rationale: string;
  grantBy: string | null;
  at: Date;
}

export function statusOf(d: Pick<NewDecision, "decision" | "kind">): ApprovalRow["status"] {
  return d.kind === "timeout" ? "expired" : d.decision === "approve" ? "approved" : "rejected";
}

/**
 * Records the decision if the approval is still pending (and, for people, not yet past its expiry; for
 * the sweeper, past it). Returns null when someone else got there first. Runs inside the caller's
 * transaction with its audit event, the tool call's denial and the card refresh.
 */
export async function recordDecision(
  tx: Tx,
  approvalId: string,
  d: NewDecision,
): Promise<{ approval: ApprovalRow; decision: DecisionRow } | null> {
  const inTime = d.kind === "timeout" ? lte(approvals.expiresAt, d.at) : gt(approvals.expiresAt, d.at);
  const [approval] = await tx
    .update(approvals)
    .set({ status: statusOf(d), decidedAt: d.at })
    .where(and(eq(approvals.id, approvalId), eq(approvals.status, "pending"), inTime))
    .returning();
  if (!approval) return null;
  const [decision] = await settleDecisions(tx, [{ approval, decision: d }]);
  return { approval, decision: decision! };
}

/**
 * Everything that follows approvals leaving "pending" (their conditional UPDATE has just matched, in
 * this transaction): the decision rows, denied tool calls, stale cards, audit events, wake-ups. Set-based,
 * so the sweeper settles a whole batch in a handful of statements and holds the audit chain lock briefly.
 */
export async function settleDecisions(
  tx: Tx,
  settled: { approval: Pick<ApprovalRow, "id" | "toolCallId">; decision: NewDecision }[],
): Promise<DecisionRow[]> {
  if (settled.length === 0) return [];
  const ids = settled.map((s) => s.approval.id);
  // Every column is known here, so no RETURNING (the rows come back in this order, as written).
  const rows: DecisionRow[] = settled.map(({ approval, decision: d }) => ({
    approvalId: approval.id,
    decision: d.decision,
    kind: d.kind,
    via: d.via,
    decidedBy: d.decidedBy,
    decidedAt: d.at,
    rationale: d.rationale,
    grantBy: d.grantBy,
  }));
  await tx.insert(decisions).values(rows);

  // A rejected or timed-out approval denies the call waiting on it (one UPDATE per reason).
  const denials = new Map<string, { ids: string[]; at: Date }>();
  for (const { approval, decision: d } of settled) {
    if (!approval.toolCallId || d.decision !== "reject") continue;
    const reason = d.kind === "timeout" ? "timeout" : "rejected";
    const group = denials.get(reason) ?? { ids: [], at: d.at };
    group.ids.push(approval.toolCallId);
    denials.set(reason, group);
  }
  for (const [reason, group] of denials) {
    await tx
      .update(toolCalls)
      .set({ status: "denied", reason, updatedAt: group.at })
      .where(and(inArray(toolCalls.id, group.ids), eq(toolCalls.status, "waiting_for_approval")));
  }

  await refreshCards(tx, ids, settled[0]!.decision.at);
  await appendAuditEvents(
    tx,
    settled.map(({ approval, decision: d }) => ({
      type:
        d.kind === "timeout"
          ? "approval.expired"
          : d.kind === "override"
            ? "approval.overridden"
            : "approval.decided",
      approvalId: approval.id,
      actor: d.decidedBy,
      at: d.at,
      data: { decision: d.decision, kind: d.kind, via: d.via, rationale: d.rationale, grantBy: d.grantBy },
    })),
  );
  await notifyChanged(tx, APPROVAL_CHANGED, ids);
  return rows;
}
