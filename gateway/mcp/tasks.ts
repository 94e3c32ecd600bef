// Tasks (params.task, protocol 2025-11-25): a tools/call asked for as a task answers at once with the
// tool call as a task (its id is the call's id), and tasks/get and tasks/result read the same tool_calls
// record, so a task can be followed from any session of the same agent, on any replica. A task is
// "working" while its call waits for a person or runs, and "completed" once it has an answer — the
// answer a live tools/call would have given, isError results included; "failed" is kept for a JSON-RPC
// error from the server. A task cannot be cancelled: like a closed request, giving up leaves the
// approval standing, so tasks/cancel is refused rather than pretending.
import {
  type CallToolResult,
  ErrorCode,
  McpError,
  RELATED_TASK_META_KEY,
  type Task,
} from "@modelcontextprotocol/sdk/types.js";
import type { ToolCall } from "../../sdk/types.ts";
import type { Gateway } from "../submit/gateway.ts";
import { findCall, findCallForWait } from "../tool-calls/store.ts";
import { isSettled, presentToolCall } from "../tool-calls/view.ts";
import { MAX_WAIT_SECONDS } from "../wait/long-poll.ts";
import { waitForCall } from "../wait/waits.ts";
import { answer } from "./answer.ts";
import type { Extra } from "./context.ts";

/** How often a client is asked to poll tasks/get (ms). */
const POLL_INTERVAL_MS = 1000;

export function toTask(call: ToolCall): Task {
  return {
    taskId: call.id,
    status: taskStatus(call),
    // Tool calls are records, kept like every other: the task has no expiry of its own.
    ttl: null,
    createdAt: call.createdAt,
    lastUpdatedAt: call.updatedAt,
    pollInterval: POLL_INTERVAL_MS,
    statusMessage: statusMessage(call),
  };
}

function taskStatus(call: ToolCall): Task["status"] {
  if (!isSettled(call.status)) return "working";
  const refused = (call.result as { error?: { code?: unknown } } | null)?.error?.code;
  return call.reason === "tool_error" && typeof refused === "number" ? "failed" : "completed";
}

function statusMessage(call: ToolCall): string {
  switch (call.status) {
    case "waiting_for_approval":
      return `waiting for approval ${call.approvalId}`;
    case "executing":
      return "approved; running";
    case "denied":
      return `denied (${call.reason})`;
    default:
      return call.status;
  }
}

/** The agent's own call behind a task id; another agent's is as good as absent. */
async function ownCall(g: Gateway, agent: string, taskId: string): Promise<ToolCall> {
  const row = await findCall(g.deps.database.db, taskId);
  if (!row || row.agent !== agent) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
  return presentToolCall(row);
}

export async function getTask(g: Gateway, agent: string, taskId: string): Promise<Task> {
  return toTask(await ownCall(g, agent, taskId));
}

/** tasks/result: waits until the call has its answer, then gives it. */
export async function taskResult(
  g: Gateway,
  agent: string,
  taskId: string,
  extra: Extra,
): Promise<CallToolResult> {
  let call = await ownCall(g, agent, taskId);
  while (!isSettled(call.status)) {
    if (extra.signal.aborted) throw new McpError(ErrorCode.InvalidRequest, "tasks/result was cancelled");
    const found = await waitForCall({
      hub: g.hub,
      deps: g.deps,
      id: taskId,
      waitSeconds: MAX_WAIT_SECONDS,
      signal: extra.signal,
      visibleTo: agent,
      read: async () => {
        const row = await findCallForWait(g.deps.database.db, taskId);
        if (!row) throw new McpError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
        return row;
      },
    });
    call = presentToolCall(found.call);
  }
  const result = await answer(g, call, false);
  return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId } } };
}

export async function cancelTask(g: Gateway, agent: string, taskId: string): Promise<never> {
  const call = await ownCall(g, agent, taskId);
  const state = isSettled(call.status)
    ? `it has already ended (${call.status})`
    : `its approval ${call.approvalId} stands`;
  throw new McpError(
    ErrorCode.InvalidRequest,
    `Countersign tasks cannot be cancelled: ${state}. A person decides it, or it times out.`,
  );
}
