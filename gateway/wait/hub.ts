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
import { type Look, Peeker, type WaitKind } from "./peek.ts";

/** One waiter's registration. Wakes are remembered, so one that lands between a read and next() counts. */
export class Watch {
  /** The status the waiter last read; the fallback poll wakes it when the stored one differs. */
  seen: string | undefined;
  /** The tick of the deadline it waits for (Deadlines), if any. */
  tick: number | undefined;
  private woken = false;
  private resolve: (() => void) | undefined;

  constructor(
    private readonly hub: WaiterHub,
    readonly kind: WaitKind,
    readonly id: string,
  ) {}

  wake(): void {
    const resolve = this.resolve;
    if (!resolve) {
      this.woken = true;
      return;
    }
    this.resolve = undefined;
    this.hub.deadlines.cancel(this);
    resolve();
  }

  /** Resolves on the next wake (or at once if one came since the last call), or after ms. */
  next(ms: number): Promise<void> {
    if (this.woken || ms <= 0) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.hub.deadlines.add(this, Date.now() + ms);
    });
  }

  close(): void {
    this.hub.release(this);
    this.wake();
  }
}

const TICK_MS = 25;

/**
 * The waiters' deadlines on one timer: each in a bucket of its 25 ms tick (rounded up, so none fires
 * early), and one interval, running only while a deadline is pending, that wakes whole buckets. A
 * setTimeout per waiter would cost a timer object and a closure each, ten thousand of them at a time.
 */
class Deadlines {
  private readonly buckets = new Map<number, Set<Watch>>();
  private timer: NodeJS.Timeout | undefined;
  private done = 0;

  add(watch: Watch, at: number) {
    const tick = Math.ceil(at / TICK_MS);
    watch.tick = tick;
    const bucket = this.buckets.get(tick);
    if (bucket) bucket.add(watch);
    else this.buckets.set(tick, new Set([watch]));
    if (!this.timer) {
      this.done = Math.floor(Date.now() / TICK_MS);
      this.timer = setInterval(() => this.fire(), TICK_MS);
    }
  }

  cancel(watch: Watch) {
    const tick = watch.tick;
    if (tick === undefined) return;
    watch.tick = undefined;
    const bucket = this.buckets.get(tick);
    bucket?.delete(watch);
    if (bucket?.size === 0) this.buckets.delete(tick);
  }

  private fire() {
    const now = Math.floor(Date.now() / TICK_MS);
    for (let tick = this.done + 1; tick <= now; tick++) {
      const bucket = this.buckets.get(tick);
      if (!bucket) continue;
      this.buckets.delete(tick);
      for (const watch of bucket) {
        watch.tick = undefined;
        watch.wake();
      }
    }
    this.done = now;
    if (this.buckets.size === 0) this.stop();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = undefined;
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
  private readonly peeker: Peeker;
  readonly deadlines = new Deadlines();

  constructor(
    private readonly database: Database,
    private readonly options: WaiterHubOptions = {},
  ) {
    this.peeker = new Peeker(database.db);
  }

  /** A waiter's first look at what it waits on (see peek.ts); null when there is no such id. */
  peek(kind: WaitKind, id: string): Promise<Look | null> {
    return this.peeker.peek(kind, id);
  }

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
    this.deadlines.stop();
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
    const watch = new Watch(this, kind, id);
    const set = map.get(id);
    if (set) set.add(watch);
    else map.set(id, new Set([watch]));
    if (this.closed) watch.wake();
    return watch;
  }

  release(watch: Watch): void {
    const map = this.waiting[watch.kind];
    const set = map.get(watch.id);
    if (!set) return;
    set.delete(watch);
    if (set.size === 0) map.delete(watch.id);
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
