// The API's two long-polls: `GET /v1/approvals/{id}?wait=S` waits while the approval is pending, and
// `GET /v1/tool-calls/{id}?wait=S` while the call waits for its approval or runs. At the approval's
// expiry the waiter expires it itself (a conditional, race-safe handler call), so a timed-out agent hears
// at once rather than at the sweeper's next run.
import { expireApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Approval } from "../../sdk/types.ts";
import { isSettled, type ToolCallRow } from "../tool-calls/view.ts";
import type { WaiterHub } from "./hub.ts";
import { type HangUp, longPoll } from "./long-poll.ts";
import type { WaitKind } from "./peek.ts";

/** A call as a waiter reads it: with its approval's expiry while it waits for one. */
export interface WaitedCall {
  call: ToolCallRow;
  approvalExpiresAt: Date | null;
}

export interface Wait<T> {
  hub: WaiterHub;
  deps: HandlerDeps;
  id: string;
  waitSeconds: number;
  /** Ends the wait early (the client went away). */
  signal: HangUp;
  /** The agent whose records alone the caller may see; undefined for operators and admins. */
  visibleTo: string | undefined;
  /** The full read, which answers (404 included) for the caller. */
  read: () => Promise<T>;
}

export function waitForApproval(w: Wait<Approval>): Promise<Approval> {
  return waitOn(w, APPROVAL, () => expireApproval(w.deps, w.id));
}

export function waitForCall(w: Wait<WaitedCall>): Promise<WaitedCall> {
  return waitOn(w, CALL, async () => {
    const { call } = await w.read();
    if (call.approvalId) await expireApproval(w.deps, call.approvalId);
  });
}

/** What differs between waiting on an approval and on a call. */
interface Waited<T> {
  kind: WaitKind;
  /** The status in which it waits for its (or its approval's) expiry. */
  waiting: string;
  status: (value: T) => string;
  settled: (status: string) => boolean;
  dueAt: (value: T) => number | undefined;
}

// Shared by every waiter rather than made per request: the process holds thousands of waiters at once.
const APPROVAL: Waited<Approval> = {
  kind: "approval",
  waiting: "pending",
  status: (a) => a.status,
  settled: (status) => status !== "pending",
  dueAt: (a) => (a.status === "pending" ? Date.parse(a.expiresAt) : undefined),
};
const CALL: Waited<WaitedCall> = {
  kind: "call",
  waiting: "waiting_for_approval",
  status: (f) => f.call.status,
  settled: isSettled,
  dueAt: (f) => (f.call.status === "waiting_for_approval" ? f.approvalExpiresAt?.getTime() : undefined),
};

function waitOn<T>(w: Wait<T>, what: Waited<T>, onDue: () => Promise<unknown>): Promise<T> {
  return longPoll({
    hub: w.hub,
    kind: what.kind,
    id: w.id,
    waitMs: w.waitSeconds * 1000,
    signal: w.signal,
    read: w.read,
    peek: async () => {
      const look = await w.hub.peek(what.kind, w.id);
      // Absent or another agent's: the full read answers (with its 404) at once.
      if (!look || (w.visibleTo !== undefined && look.agent !== w.visibleTo)) return undefined;
      return { status: look.status, dueAt: look.status === what.waiting ? look.expiresAt : undefined };
    },
    status: what.status,
    settled: what.settled,
    dueAt: what.dueAt,
    onDue,
  });
}
