// Where long-polls wait. One LISTEN per channel per process (through database.listen), waiters in a Map
// keyed by id, so a notification wakes exactly the waiters of that id in O(1) and 10,000 waiters cost a
// few hundred bytes each. A slow fallback poll checks every waited-on id in batches, so a notification
// that never arrives costs seconds, not the call.
import { inArray } from "drizzle-orm";
import type { Database } from "../../db/open.ts";
import { approvals } from "../../db/schema.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import { TOOL_CALL_CHANGED } from "../tool-calls/channel.ts";
import { callIdOf } from "../tool-calls/ids.ts";
import { callStatuses } from "../tool-calls/store.ts";

export type WaitKind = "approval" | "call";

/** One waiter's registration. Wakes are remembered, so one that lands between a read and next() counts. */
export class Watch {
  /** The status the waiter last read; the fallback poll wakes it when the stored one differs. */
  seen: string | undefined;
  private woken = false;
  private resolve: (() => void) | undefined;

  constructor(private readonly release: (w: Watch) => void) {}

  wake(): void {
    this.woken = true;
    const resolve = this.resolve;
    this.resolve = undefined;
    resolve?.();
  }

  /** Resolves on the next wake (or at once if one came since the last call), or after ms. */
  next(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), Math.max(ms, 0));
      this.resolve = () => {
        clearTimeout(timer);
        this.woken = false;
        resolve();
      };
    });
  }

  close(): void {
    this.release(this);
    this.wake();
  }
}

export interface WaiterHubOptions {
  /** The fallback poll's period. */
  fallbackMs?: number;
  onError?: (err: unknown) => void;
}

const BATCH = 1_000;

export class WaiterHub {
  private readonly waiting: Record<WaitKind, Map<string, Set<Watch>>> = {
    approval: new Map(),
    call: new Map(),
  };
  private readonly unlisten: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly options: WaiterHubOptions = {},
  ) {}

  async start(): Promise<void> {
    this.unlisten.push(
      await this.database.listen(APPROVAL_CHANGED, (id) => {
        if (id === "*") return void this.check();
        this.wakeAll("approval", id);
        // A rejection or timeout denies the tool call in the same transaction, without a call NOTIFY.
        const callId = callIdOf(id);
        if (callId) this.wakeAll("call", callId);
      }),
      await this.database.listen(TOOL_CALL_CHANGED, (id) => {
        if (id === "*") return void this.check();
        this.wakeAll("call", id);
      }),
    );
    this.timer = setInterval(() => void this.check(), this.options.fallbackMs ?? 3_000);
    this.timer.unref();
  }

  /** Wakes every waiter so that each answers with what it has; later watches return at once. */
  stop(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const fn of this.unlisten) fn();
    for (const map of Object.values(this.waiting))
      for (const set of map.values()) for (const w of set) w.wake();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** How many waiters are registered (metrics, tests). */
  get size(): number {
    let n = 0;
    for (const map of Object.values(this.waiting)) for (const set of map.values()) n += set.size;
    return n;
  }

  /** Registers a waiter before the caller reads, so no change between the read and the wait is lost. */
  watch(kind: WaitKind, id: string): Watch {
    const map = this.waiting[kind];
    const watch = new Watch((w) => {
      const set = map.get(id);
      if (!set) return;
      set.delete(w);
      if (set.size === 0) map.delete(id);
    });
    const set = map.get(id);
    if (set) set.add(watch);
    else map.set(id, new Set([watch]));
    if (this.closed) watch.wake();
    return watch;
  }

  private wakeAll(kind: WaitKind, id: string) {
    const set = this.waiting[kind].get(id);
    if (set) for (const w of set) w.wake();
  }

  /** The fallback: one query per thousand waited-on ids; wakes whoever's status moved. */
  check(): Promise<void> {
    this.checking ??= this.checkOnce()
      .catch((err) => this.options.onError?.(err))
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private async checkOnce() {
    const { db } = this.database;
    for (const kind of ["approval", "call"] as const) {
      const ids = [...this.waiting[kind].keys()];
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        const statuses =
          kind === "call"
            ? await callStatuses(db, batch)
            : new Map(
                (
                  await db
                    .select({ id: approvals.id, status: approvals.status })
                    .from(approvals)
                    .where(inArray(approvals.id, batch))
                ).map((r) => [r.id, r.status as string]),
              );
        for (const id of batch) {
          const set = this.waiting[kind].get(id);
          if (!set) continue;
          const status = statuses.get(id);
          for (const w of set) if (w.seen !== status) w.wake();
        }
      }
    }
  }
}
