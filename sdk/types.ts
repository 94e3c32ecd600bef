// The shapes the Countersign API answers with (CONTRACT.md section 3). More fields may appear.

export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired";

export interface Decision {
  decision: "approve" | "reject";
  kind: "human" | "override" | "timeout";
  via: string;
  /** The approver's email (or countersign-sweeper for a timeout). */
  decidedBy: string;
  decidedAt: string;
  rationale: string;
  grantBy: string | null;
}

export interface Approval {
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
  channels: string[];
  createdAt: string;
  expiresAt: string;
  sla: "on_track" | "at_risk" | "breached" | "expired";
  decision: Decision | null;
}

export type ToolCallStatus =
  | "waiting_for_approval"
  | "executing"
  | "denied"
  | "succeeded"
  | "failed"
  | "outcome_unknown";

export interface ToolCall<Result = unknown> {
  id: string;
  status: ToolCallStatus;
  agent: string;
  tool: string;
  input: unknown;
  /** The tool's answer (parsed JSON or text); for a failed HTTP call {status, body}. */
  result: Result;
  error: string | null;
  /** Why it was denied, failed or ended unknown: policy, no_policy, no_route, rejected, timeout, … */
  reason: string | null;
  policy: string | null;
  rule: number | null;
  approvalId: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** A tool call that ran: the tool answered (succeeded or failed), or it may have acted (outcome_unknown). */
export type SettledToolCall<Result = unknown> = ToolCall<Result> & {
  status: "succeeded" | "failed" | "outcome_unknown";
};

export interface ClientOptions {
  /** Default: COUNTERSIGN_URL, else http://127.0.0.1:8080. */
  baseUrl?: string | undefined;
  /** An agent key. Default: COUNTERSIGN_KEY. */
  apiKey?: string | undefined;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Pause before the next long-poll round after a network or server error (ms). Default 1000. */
  pollIntervalMs?: number | undefined;
}

export interface RequireApprovalOptions extends ClientOptions, WaitOptions {
  /** Shown to the approver; policies see it as input.<path>. */
  context?: Record<string, unknown> | undefined;
  /** Expire sooner than the policy's timeoutMinutes (never later). */
  timeoutMs?: number | undefined;
}

export interface CallToolOptions extends WaitOptions {
  /** The same key with the same tool and input returns the first call instead of making another. */
  idempotencyKey?: string | undefined;
}
