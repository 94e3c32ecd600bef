// Errors the SDK throws. Every API refusal is a CountersignError carrying the API's code and status.
import type { Approval, ToolCall } from "./types.ts";

export class CountersignError extends Error {
  constructor(
    message: string,
    /** The API's error code (denied, invalid_input, unknown_tool, …), or network_error. */
    readonly code: string,
    /** The HTTP status, or 0 when no answer came. */
    readonly status: number,
    /** The rest of the API's error body. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "CountersignError";
  }
}

/** requireApproval: a person rejected the action. */
export class ApprovalRejectedError extends Error {
  readonly approvalId: string;
  /** The approver's rationale. */
  readonly reason: string;
  readonly decidedBy: string;

  constructor(readonly approval: Approval) {
    const d = approval.decision;
    super(
      `${approval.action} was rejected by ${d?.decidedBy ?? "an approver"}: ${d?.rationale ?? ""}`.trim(),
    );
    this.name = "ApprovalRejectedError";
    this.approvalId = approval.id;
    this.reason = d?.rationale ?? "";
    this.decidedBy = d?.decidedBy ?? "";
  }
}

/** requireApproval: nobody decided before the approval expired. */
export class ApprovalTimeoutError extends Error {
  readonly approvalId: string;
  readonly expiresAt: string;

  constructor(readonly approval: Approval) {
    super(`${approval.action} was not decided before ${approval.expiresAt}`);
    this.name = "ApprovalTimeoutError";
    this.approvalId = approval.id;
    this.expiresAt = approval.expiresAt;
  }
}

/** callTool: policy refused the call, or the person asked rejected it, or nobody decided in time. */
export class ToolCallDeniedError extends CountersignError {
  /** policy, no_policy, no_route (refused by policy); rejected or timeout (refused by the approval). */
  readonly reason: string;
  readonly policy: string | null;
  readonly rule: number | null;
  readonly callId: string | null;
  readonly approvalId: string | null;
  /** Who rejected it, for reason "rejected". */
  readonly decidedBy: string | null;

  constructor(
    message: string,
    fields: {
      reason: string;
      policy: string | null;
      rule: number | null;
      callId: string | null;
      approvalId?: string | null;
      decidedBy?: string | null;
    },
    readonly call?: ToolCall,
  ) {
    super(message, "denied", 403, { ...fields });
    this.name = "ToolCallDeniedError";
    this.reason = fields.reason;
    this.policy = fields.policy;
    this.rule = fields.rule;
    this.callId = fields.callId;
    this.approvalId = fields.approvalId ?? null;
    this.decidedBy = fields.decidedBy ?? null;
  }
}
