// `GET /v1/tool-calls/{id}?wait=S`: waits while the call waits for its approval or runs. At the
// approval's expiry the waiter expires it itself (a conditional, race-safe handler call), so a timed-out
// agent hears at once rather than at the sweeper's next run.
import { expireApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { ToolCallRow } from "../tool-calls/view.ts";
import { isSettled } from "../tool-calls/view.ts";
import type { WaiterHub } from "./hub.ts";
import { longPoll } from "./long-poll.ts";

/** A call as a waiter reads it: with its approval's expiry while it waits for one. */
export interface WaitedCall {
  call: ToolCallRow;
  approvalExpiresAt: Date | null;
}

export function waitForCall(
  hub: WaiterHub,
  deps: HandlerDeps,
  id: string,
  waitSeconds: number,
  signal: AbortSignal,
  /** The agent whose calls alone the caller may see; undefined for operators and admins. */
  visibleTo: string | undefined,
  read: () => Promise<WaitedCall>,
): Promise<WaitedCall> {
  return longPoll({
    hub,
    kind: "call",
    id,
    waitMs: waitSeconds * 1000,
    signal,
    read,
    peek: async () => {
      const look = await hub.peek("call", id);
      // Absent or another agent's: the full read answers (with its 404) at once.
      if (!look || (visibleTo !== undefined && look.agent !== visibleTo)) return undefined;
      return {
        status: look.status,
        dueAt: look.status === "waiting_for_approval" ? look.expiresAt : undefined,
      };
    },
    status: statusOf,
    settled: isSettled,
    dueAt: approvalExpiryOf,
    onDue: async () => {
      const { call } = await read();
      if (call.approvalId) await expireApproval(deps, call.approvalId);
    },
  });
}

// Shared by every waiter rather than made per request: the process holds thousands of waiters at once.
const statusOf = (f: WaitedCall) => f.call.status;
const approvalExpiryOf = (f: WaitedCall) =>
  f.call.status === "waiting_for_approval" ? f.approvalExpiresAt?.getTime() : undefined;
