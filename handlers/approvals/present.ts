import type { approvals, decisions } from "../../db/schema.ts";
import { slaState } from "../sla.ts";
import type { ApprovalView, DecisionView } from "./types.ts";

export type ApprovalRow = typeof approvals.$inferSelect;
export type DecisionRow = typeof decisions.$inferSelect;

export function presentDecision(d: DecisionRow): DecisionView {
  return {
    decision: d.decision,
    kind: d.kind,
    via: d.via,
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt.toISOString(),
    rationale: d.rationale,
    grantBy: d.grantBy,
  };
}

export function presentApproval(a: ApprovalRow, d: DecisionRow | null | undefined, now: Date): ApprovalView {
  return {
    id: a.id,
    status: a.status,
    agent: a.agent,
    tool: a.tool,
    action: a.action,
    toolCallId: a.toolCallId,
    input: a.input,
    context: a.context,
    risk: a.risk,
    policy: a.policy,
    rule: a.rule,
    approvers: a.approvers,
    approverRefs: a.approverRefs,
    channels: a.channels,
    rationaleRequired: a.rationaleRequired,
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    slaAtRiskAt: a.slaAtRiskAt.toISOString(),
    slaBreachAt: a.slaBreachAt.toISOString(),
    sla: slaState(a, now),
    escalatedAt: a.escalatedAt?.toISOString() ?? null,
    decision: d ? presentDecision(d) : null,
  };
}
