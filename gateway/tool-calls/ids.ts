// Tool call ids and the approval ids derived from them (CONTRACT.md: approval-<call id>).
import { randomBytes } from "node:crypto";

const APPROVAL_PREFIX = "approval-";

export function newCallId(): string {
  return `call-${randomBytes(8).toString("hex")}`;
}

export function approvalIdFor(callId: string): string {
  return APPROVAL_PREFIX + callId;
}

/** The tool call behind a gateway approval id, or undefined for an SDK approval (approval-<random>). */
export function callIdOf(approvalId: string): string | undefined {
  return approvalId.startsWith(`${APPROVAL_PREFIX}call-`)
    ? approvalId.slice(APPROVAL_PREFIX.length)
    : undefined;
}
