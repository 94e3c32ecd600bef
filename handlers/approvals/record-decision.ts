// The one place an approval leaves "pending". First decision wins in SQL: the UPDATE only matches a
// pending row, so of any number of racing deciders (approvers, Slack retries, the sweeper, replicas)
// exactly one gets a row back; the rest see the standing decision.
import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { notifyChanged } from "../../db/notify.ts";
import type { Tx } from "../../db/open.ts";
import { approvals, decisions, toolCalls } from "../../db/schema.ts";
import { dropUnsent, refreshCards } from "../../outbox/enqueue.ts";
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
  /**
   * Approve only: the input as the approver changed it. It replaces the approval's and the waiting call's
   * input (what the agent asked for is kept beside it as originalInput), so the tool runs with it.
   */
  editedInput?: unknown;
}

/** What settling needs of an approval: always its id and call; its inputs when an edit is recorded. */
type Settled = Pick<ApprovalRow, "id" | "toolCallId"> & Partial<Pick<ApprovalRow, "input" | "originalInput">>;

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
  const edit =
    d.editedInput === undefined ? {} : { input: d.editedInput, originalInput: sql`${approvals.input}` };
  const [approval] = await tx
    .update(approvals)
    .set({ status: statusOf(d), decidedAt: d.at, ...edit })
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
  settled: { approval: Settled; decision: NewDecision }[],
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
    edited: d.editedInput !== undefined,
  }));
  await tx.insert(decisions).values(rows);

  // An approval with edits runs the edited input: the waiting call takes it, keeping what was asked.
  for (const { approval, decision: d } of settled) {
    if (!approval.toolCallId || d.editedInput === undefined) continue;
    await tx
      .update(toolCalls)
      .set({ input: d.editedInput, originalInput: sql`${toolCalls.input}`, updatedAt: d.at })
      .where(and(eq(toolCalls.id, approval.toolCallId), eq(toolCalls.status, "waiting_for_approval")));
  }

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
  // Reminders queued but not sent would nag about a decided approval.
  await dropUnsent(tx, ids, "reminder");
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
      data: {
        decision: d.decision,
        kind: d.kind,
        via: d.via,
        rationale: d.rationale,
        grantBy: d.grantBy,
        // The audit trail keeps both sides of an edit: what the agent asked for and what was approved.
        ...(d.editedInput !== undefined && {
          edited: true,
          originalInput: approval.originalInput,
          input: d.editedInput,
        }),
      },
    })),
  );
  await notifyChanged(tx, APPROVAL_CHANGED, ids);
  return rows;
}
