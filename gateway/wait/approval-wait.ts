// `GET /v1/approvals/{id}?wait=S`: waits while the approval is pending. At its expiry the waiter expires
// it itself (a conditional, race-safe handler call), so a timed-out agent hears at once rather than at
// the sweeper's next run.
import { expireApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Approval } from "../../sdk/types.ts";
import type { WaiterHub } from "./hub.ts";
import { longPoll } from "./long-poll.ts";

export function waitForApproval(
  hub: WaiterHub,
  deps: HandlerDeps,
  id: string,
  waitSeconds: number,
  signal: AbortSignal,
  /** The agent whose approvals alone the caller may see; undefined for operators and admins. */
  visibleTo: string | undefined,
  read: () => Promise<Approval>,
): Promise<Approval> {
  return longPoll({
    hub,
    kind: "approval",
    id,
    waitMs: waitSeconds * 1000,
    signal,
    read,
    peek: async () => {
      const look = await hub.peek("approval", id);
      // Absent or another agent's: the full read answers (with its 404) at once.
      if (!look || (visibleTo !== undefined && look.agent !== visibleTo)) return undefined;
      return { status: look.status, dueAt: look.status === "pending" ? look.expiresAt : undefined };
    },
    status: statusOf,
    settled: isDecided,
    dueAt: expiryOf,
    onDue: () => expireApproval(deps, id),
  });
}

// Shared by every waiter rather than made per request: the process holds thousands of waiters at once.
const statusOf = (a: Approval) => a.status;
const isDecided = (status: string) => status !== "pending";
const expiryOf = (a: Approval) => (a.status === "pending" ? Date.parse(a.expiresAt) : undefined);
