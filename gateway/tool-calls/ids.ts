// Tool call ids and the approval ids derived from them (CONTRACT.md: approval-<call id>).
import { randomBytes } from "node:crypto";

const APPROVAL_PREFIX = "approval-";

// Random bytes drawn 4 KiB at a time: one call to the system's generator per 512 ids, not per id.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = POOL_BYTES;

export function newCallId(): string {
  if (offset + 8 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  offset += 8;
  return `call-${pool.toString("hex", offset - 8, offset)}`;
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
