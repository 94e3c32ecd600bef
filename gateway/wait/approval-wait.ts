// `GET /v1/approvals/{id}?wait=S`: waits while the approval is pending. At its expiry the waiter expires
// it itself (a conditional, race-safe handler call), so a timed-out agent hears at once rather than at
// the sweeper's next run.
import { type ApprovalView, expireApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { WaiterHub } from "./hub.ts";
import { longPoll } from "./long-poll.ts";

export function waitForApproval(
  hub: WaiterHub,
  deps: HandlerDeps,
  id: string,
  waitSeconds: number,
  signal: AbortSignal,
  read: () => Promise<ApprovalView>,
): Promise<ApprovalView> {
  return longPoll({
    hub,
    kind: "approval",
    id,
    waitMs: waitSeconds * 1000,
    signal,
    read,
    status: (a) => a.status,
    settled: (status) => status !== "pending",
    dueAt: (a) => (a.status === "pending" ? Date.parse(a.expiresAt) : undefined),
    onDue: () => expireApproval(deps, id),
  });
}
