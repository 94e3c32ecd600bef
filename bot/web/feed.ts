// What keeps open console pages current: one LISTEN per process on the same wake-ups long-polls use
// (APPROVAL_CHANGED: decided, expired, created, an approval toward a quorum), gathered for 50 ms, then one
// count of pending approvals and one Server-Sent Event to every open page. A decision made anywhere
// (another replica, Slack, the CLI, the sweeper) reaches the page in well under a second. After a lost
// listener connection the database layer says "*", which is a change like any other. A stream lasts no
// longer than its session: signing out on any replica (SESSION_ENDED) or expiry closes it.
//
// The feed also holds the pending count every page's badge shows: counting 10,000 pending rows on every
// render cost more than the page's own query. The count is dropped on every APPROVAL_CHANGED (so it is
// never older than the last change the handlers made) and lives at most a second, so a write that bypasses
// the handlers and notifies nobody (an SQL seed, a repair by hand) shows within it.
import type { ServerResponse } from "node:http";
import { pendingCount } from "../../handlers/approvals/index.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { type ConsoleSession, SESSION_ENDED } from "./sessions.ts";

const GATHER_MS = 50;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/** How long the held pending count is trusted when no change notification says otherwise. */
const COUNT_LIFETIME_MS = 1_000;

export class ConsoleFeed {
  private readonly clients = new Map<ServerResponse, Pick<ConsoleSession, "id" | "expiresAt">>();
  private changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private unlisten: (() => void)[] = [];
  /** Set only while listening: without notifications, nothing says when a held count went stale. */
  private listening = false;
  private heldCount: { count: Promise<number>; until: number } | undefined;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.unlisten = [
      await this.deps.database.listen(APPROVAL_CHANGED, (id) => this.note(id)),
      await this.deps.database.listen(SESSION_ENDED, (id) => this.close((s) => s.id === id)),
    ];
    this.listening = true;
    this.keepalive = setInterval(() => {
      this.closeExpired();
      this.write(": keepalive\n\n");
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  stop(): void {
    this.listening = false;
    this.heldCount = undefined;
    for (const unlisten of this.unlisten) unlisten();
    clearInterval(this.keepalive);
    clearTimeout(this.timer);
    this.close(() => true);
  }

  /**
   * How many approvals are pending, for a badge: held between change notifications, at most
   * COUNT_LIFETIME_MS; concurrent pages share one count. A count begun before a change is dropped when
   * the change is heard, even while still running, so no page after it is shown the older number.
   * `fresh`: count anew, for a page rendered right after this process changed something (its own change's
   * notification may not have come back yet).
   */
  pendingCount(o: { fresh?: boolean } = {}): Promise<number> {
    const held = this.heldCount;
    if (!o.fresh && held && held.until > Date.now()) return held.count;
    const count = pendingCount(this.deps);
    if (!this.listening) return count;
    const entry = { count, until: Date.now() + COUNT_LIFETIME_MS };
    this.heldCount = entry;
    // A failed count is not held: the next page counts again.
    count.catch(() => {
      if (this.heldCount === entry) this.heldCount = undefined;
    });
    return count;
  }

  /** Streams events to this response until the page goes away or the session ends. */
  add(res: ServerResponse, session: Pick<ConsoleSession, "id" | "expiresAt">): void {
    this.clients.set(res, session);
    res.on("close", () => this.clients.delete(res));
  }

  private close(which: (s: Pick<ConsoleSession, "id" | "expiresAt">) => boolean): void {
    for (const [res, session] of this.clients) {
      if (!which(session)) continue;
      this.clients.delete(res);
      res.end();
    }
  }

  private closeExpired(): void {
    const now = this.deps.clock.now();
    this.close((s) => s.expiresAt <= now);
  }

  private note(id: string): void {
    this.heldCount = undefined;
    this.changed.add(id);
    this.timer ??= setTimeout(() => void this.flush(), GATHER_MS);
  }

  private async flush(): Promise<void> {
    const ids = [...this.changed];
    this.changed = new Set();
    this.timer = undefined;
    this.closeExpired();
    if (this.clients.size === 0) return;
    try {
      const pending = await this.pendingCount();
      this.write(`event: changed\ndata: ${JSON.stringify({ pending, ids })}\n\n`);
    } catch (err) {
      this.onError(err);
    }
  }

  private write(chunk: string): void {
    for (const res of this.clients.keys()) res.write(chunk);
  }
}
