// A tool call as the API presents it (the SDK's ToolCall), and which statuses still move.
import type { toolCalls } from "../../db/schema.ts";
import type { ToolCall, ToolCallStatus } from "../../sdk/types.ts";

export type ToolCallRow = typeof toolCalls.$inferSelect;

/** Statuses a call leaves on its own; every other one is final. */
export function isSettled(status: string): boolean {
  return status !== "waiting_for_approval" && status !== "executing";
}

export function presentToolCall(row: ToolCallRow): ToolCall {
  return {
    id: row.id,
    status: row.status as ToolCallStatus,
    agent: row.agent,
    tool: row.tool,
    input: row.input,
    originalInput: row.originalInput ?? null,
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
