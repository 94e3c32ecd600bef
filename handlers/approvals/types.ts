// The approval and decision as the API, chat and CLI present them (CONTRACT.md section 3).
import type { SlaState } from "../sla.ts";

export const VIAS = ["slack", "teams", "email", "api", "cli", "web", "sweeper"] as const;
export type Via = (typeof VIAS)[number];
export type DecisionValue = "approve" | "reject";
export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired";

export interface DecisionView {
  decision: DecisionValue;
  kind: "human" | "override" | "timeout";
  via: string;
  decidedBy: string;
  decidedAt: string;
  rationale: string;
  grantBy: string | null;
}

export interface ApprovalView {
  id: string;
  status: ApprovalStatus;
  agent: string;
  tool: string | null;
  action: string;
  toolCallId: string | null;
  input: unknown;
  context: unknown;
  risk: string | null;
  policy: string | null;
  rule: number | null;
  approvers: string[];
  approverRefs: string[];
  channels: string[];
  rationaleRequired: boolean;
  createdAt: string;
  expiresAt: string;
  slaAtRiskAt: string;
  slaBreachAt: string;
  sla: SlaState;
  escalatedAt: string | null;
  decision: DecisionView | null;
}

/** Who acts. Approvers are people, named by email; Slack group ids let a Team's slackUserGroup count. */
export interface Actor {
  email: string;
  slackGroups?: string[];
}
