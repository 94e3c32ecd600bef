// One sample approval as the renderers receive it (a pending refund for billing-leads), so the Slack,
// Teams, email and terminal tests start from the same facts and override only what each is about.
import type { Approval, Decision } from "../../sdk/types.ts";

export function sampleApproval(over: Partial<Approval> = {}): Approval {
  return {
    id: "approval-call-abc123",
    status: "pending",
    agent: "support-bot",
    tool: "refund.issue",
    action: "refund.issue",
    toolCallId: "call-abc123",
    input: { ticket: "T-1", amount: 42 },
    originalInput: null,
    context: {},
    requestedBy: null,
    risk: "financial",
    policy: "financial-actions-require-approval",
    rule: 0,
    approvers: ["ana@example.com"],
    approverRefs: ["team:billing-leads"],
    channels: ["slack:#billing-approvals"],
    rationaleRequired: true,
    editsAllowed: false,
    requiredApprovals: 1,
    approvals: [],
    createdAt: "2026-05-01T14:03:00.000Z",
    expiresAt: "2026-05-01T15:03:00.000Z",
    slaAtRiskAt: "2026-05-01T14:33:00.000Z",
    slaBreachAt: "2026-05-01T14:51:00.000Z",
    sla: "on_track",
    escalatedAt: null,
    escalations: [],
    nextReminderAt: null,
    decision: null,
    ...over,
  };
}

/** The sample approval closed by ana's approval (or whatever `d` says), with the status that follows. */
export function sampleDecided(d: Partial<Decision> = {}, over: Partial<Approval> = {}): Approval {
  const decision: Decision = {
    decision: "approve",
    kind: "human",
    via: "slack",
    decidedBy: "ana@example.com",
    decidedAt: "2026-05-01T14:10:00.000Z",
    rationale: "Refund eligibility confirmed.",
    grantBy: null,
    edited: false,
    ...d,
  };
  const status =
    decision.kind === "timeout" ? "expired" : decision.decision === "approve" ? "approved" : "rejected";
  return sampleApproval({ status, decision, ...over });
}
