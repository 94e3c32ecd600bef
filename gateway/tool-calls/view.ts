// A tool call as the API presents it, and which statuses still move.
import type { toolCalls } from "../../db/schema.ts";

export type ToolCallRow = typeof toolCalls.$inferSelect;

export const TOOL_CALL_STATUSES = [
  "waiting_for_approval",
  "executing",
  "denied",
  "succeeded",
  "failed",
  "outcome_unknown",
] as const;
export type ToolCallStatus = (typeof TOOL_CALL_STATUSES)[number];

/** Statuses a call leaves on its own; every other one is final. */
export function isSettled(status: string): boolean {
  return status !== "waiting_for_approval" && status !== "executing";
}

export interface ToolCallView {
  id: string;
  status: ToolCallStatus;
  agent: string;
  tool: string;
  input: unknown;
  /** The tool's answer (parsed JSON or text); for an HTTP error {status, body}. */
  result: unknown;
  /** What went wrong, in words (failed, outcome_unknown, denied). */
  error: string | null;
  /** Why a call is denied, failed or of unknown outcome: policy, no_policy, no_route, rejected, timeout, … */
  reason: string | null;
  policy: string | null;
  rule: number | null;
  approvalId: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

export function presentToolCall(row: ToolCallRow): ToolCallView {
  return {
    id: row.id,
    status: row.status as ToolCallStatus,
    agent: row.agent,
    tool: row.tool,
    input: row.input,
    result: row.result ?? null,
    error: row.error,
    reason: row.reason,
    policy: row.policy,
    rule: row.rule,
    approvalId: row.approvalId,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
