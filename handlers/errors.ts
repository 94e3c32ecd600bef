// One code per failure. Edges (HTTP, Slack, Teams, CLI) map codes to their own replies in one place each.
// The codes are the wire contract's (sdk/types.ts ErrorCode): a code missing here, or one the SDK does
// not list, fails the build.
import type { ErrorCode } from "../sdk/types.ts";

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  denied: 403,
  not_an_approver: 403,
  self_approval: 403,
  not_permitted: 403,
  not_found: 404,
  unknown_tool: 404,
  already_decided: 409,
  already_approved_by_you: 409,
  payload_too_large: 413,
  invalid_input: 422,
  edits_not_allowed: 422,
  rationale_required: 422,
  reason_required: 422,
  no_route: 422,
  idempotency_key_reused: 422,
  override_limit: 429,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra fields for the error body: the standing decision of a 409, the policy and rule of a denial… */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "CodedError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isCodedError(err: unknown): err is CodedError {
  return err instanceof CodedError;
}
