// The long-poll behind `?wait=S`: read, and while nothing has changed, wait on the hub and read again,
// until the status differs from the first one read or the wait is over. Free of any transport: the HTTP
// routes parse the wait and turn a hang-up into the abort signal (gateway/http/wait.ts).
import type { WaiterHub } from "./hub.ts";
import type { WaitKind } from "./peek.ts";

/** The longest wait a caller may ask for, in seconds. */
export const MAX_WAIT_SECONDS = 60;

/**
 * What ends a wait early: the part of an AbortSignal a wait uses. An AbortSignal fits (MCP requests
 * carry one); the HTTP routes pass a lighter one (gateway/http/wait.ts), since an AbortController with a
 * listener costs about a kilobyte and a process holds ten thousand waiters.
 */
export interface HangUp {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options: { once: true }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface LongPoll<T> {
  hub: WaiterHub;
  kind: WaitKind;
  id: string;
  waitMs: number;
  /** Ends the wait early (the client went away). */
  signal?: HangUp | undefined;
  read: () => Promise<T>;
  /**
   * A cheap first look (grouped across waiters, see peek.ts): when it finds the value still waiting, the
   * wait starts without a full read. Undefined (nothing there, or not the caller's) reads in full at once.
   */
  peek?: () => Promise<{ status: string; dueAt: number | undefined } | undefined>;
  status: (value: T) => string;
  /** Statuses nothing will change any more: answered at once. */
  settled: (status: string) => boolean;
  /** When something must happen for a waiting value to move on its own (an approval's expiry)… */
  dueAt?: (value: T) => number | undefined;
  /** …and what to do then. */
  onDue?: () => Promise<unknown>;
}

export async function longPoll<T>(p: LongPoll<T>): Promise<T> {
  const deadline = Date.now() + p.waitMs;
  const watch = p.hub.watch(p.kind, p.id);
  const abort = () => watch.close();
  p.signal?.addEventListener("abort", abort, { once: true });
  try {
    let first: string | undefined;
    const look = await p.peek?.();
    if (look && !p.settled(look.status)) {
      first = look.status;
      watch.seen = first;
      const now = Date.now();
      // A due moment already past is left to the loop below, which reads and acts on it.
      if (look.dueAt === undefined || look.dueAt > now) {
        await watch.next(Math.min(deadline, look.dueAt ?? deadline) - now);
      }
    }
    // Every answer comes from a full read, so it is the same whether or not a look came first.
    let value = await p.read();
    first ??= p.status(value);
    let dueDone = false;
    for (;;) {
      const status = p.status(value);
      if (status !== first || p.settled(status) || p.signal?.aborted || p.hub.isClosed) return value;
      const now = Date.now();
      if (now >= deadline) return value;
      watch.seen = status;
      const due = dueDone ? undefined : p.dueAt?.(value);
      if (due !== undefined && due <= now) {
        dueDone = true;
        await p.onDue?.();
      } else {
        await watch.next(Math.min(deadline, due ?? deadline) - now);
      }
      value = await p.read();
    }
  } finally {
    p.signal?.removeEventListener("abort", abort);
    watch.close();
  }
}
