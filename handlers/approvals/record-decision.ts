// The one place an approval leaves "pending". First decision wins in SQL: the UPDATE only matches a
// pending row, so of any number of racing deciders (approvers, Slack retries, the sweeper, replicas)
// exactly one gets a row back; the rest see the standing decision.
import { and, eq, gt, lte, sql } from "drizzle-orm";
import { notify, type Tx } from "../../db/open.ts";
import { approvals, decisions, deliveries, toolCalls } from "../../db/schema.ts";
import { appendAudit } from "../audit.ts";
import { APPROVAL_CHANGED, DELIVERIES_DUE } from "../channels.ts";
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
  const status = d.kind === "timeout" ? "expired" : d.decision === "approve" ? "approved" : "rejected";
  const inTime = d.kind === "timeout" ? lte(approvals.expiresAt, d.at) : gt(approvals.expiresAt, d.at);
  const [approval] = await tx
    .update(approvals)
    .set({ status, decidedAt: d.at })
    .where(and(eq(approvals.id, approvalId), eq(approvals.status, "pending"), inTime))
    .returning();
  if (!approval) return null;

  const [decision] = await tx
    .insert(decisions)
    .values({
      approvalId,
      decision: d.decision,
      kind: d.kind,
      via: d.via,
      decidedBy: d.decidedBy,
      decidedAt: d.at,
      rationale: d.rationale,
      grantBy: d.grantBy,
    })
    .returning();

  if (approval.toolCallId && d.decision === "reject") {
    await tx
      .update(toolCalls)
      .set({ status: "denied", reason: d.kind === "timeout" ? "timeout" : "rejected", updatedAt: d.at })
      .where(and(eq(toolCalls.id, approval.toolCallId), eq(toolCalls.status, "waiting_for_approval")));
  }

  // Every posted copy of the card is now stale; the notifiers update them.
  await tx
    .update(deliveries)
    .set({ wantVersion: sql`${deliveries.wantVersion} + 1`, nextAttemptAt: d.at, updatedAt: d.at })
    .where(and(eq(deliveries.approvalId, approvalId), eq(deliveries.purpose, "card")));

  await appendAudit(tx, {
    type:
      d.kind === "timeout"
        ? "approval.expired"
        : d.kind === "override"
          ? "approval.overridden"
          : "approval.decided",
    approvalId,
    actor: d.decidedBy,
    at: d.at,
    data: { decision: d.decision, kind: d.kind, via: d.via, rationale: d.rationale, grantBy: d.grantBy },
  });
  await notify(tx, APPROVAL_CHANGED, approvalId);
  await notify(tx, DELIVERIES_DUE, approvalId);
  return { approval, decision: decision! };
}
