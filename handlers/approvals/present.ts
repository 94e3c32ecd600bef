// Rows as the API shows them. The return types are the SDK's wire shapes (sdk/types.ts), so a field the
// SDK does not know, or one it expects and the server leaves out, fails the build.
import type { approvals, decisions, signOffs } from "../../db/schema.ts";
import type { Approval, Decision, SignOff } from "../../sdk/types.ts";
import { slaState } from "../sla.ts";

export type ApprovalRow = typeof approvals.$inferSelect;
export type DecisionRow = typeof decisions.$inferSelect;
export type SignOffRow = typeof signOffs.$inferSelect;

export function presentDecision(d: DecisionRow): Decision {
  return {
    decision: d.decision,
    kind: d.kind,
    via: d.via,
    decidedBy: d.decidedBy,
    decidedAt: d.decidedAt.toISOString(),
    rationale: d.rationale,
    grantBy: d.grantBy,
    edited: d.edited,
  };
}

export function presentSignOff(s: SignOffRow): SignOff {
  return { decidedBy: s.decidedBy, decidedAt: s.decidedAt.toISOString(), via: s.via, rationale: s.rationale };
}

/** An approval with its decision (null while undecided) and the approvals given so far, oldest first. */
export function presentApproval(
  a: ApprovalRow,
  d: DecisionRow | null | undefined,
  now: Date,
  given: readonly SignOffRow[] = [],
): Approval {
  return {
    id: a.id,
    status: a.status,
    agent: a.agent,
    tool: a.tool,
    action: a.action,
    toolCallId: a.toolCallId,
    input: a.input,
    originalInput: a.originalInput ?? null,
    context: a.context,
    requestedBy: a.requestedBy,
    risk: a.risk,
    policy: a.policy,
    rule: a.rule,
    approvers: a.approvers,
    approverRefs: a.approverRefs,
    channels: a.channels,
    rationaleRequired: a.rationaleRequired,
    editsAllowed: a.editsAllowed,
    requiredApprovals: a.requiredApprovals,
    approvals: given.map(presentSignOff),
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    slaAtRiskAt: a.slaAtRiskAt.toISOString(),
    slaBreachAt: a.slaBreachAt.toISOString(),
    sla: slaState(a, now),
    escalatedAt: a.escalatedAt?.toISOString() ?? null,
    escalations: a.escalations.map((level, i) => ({ ...level, fired: i < a.escalationLevel })),
    nextReminderAt: a.status === "pending" ? (a.nextReminderAt?.toISOString() ?? null) : null,
    decision: d ? presentDecision(d) : null,
  };
}
