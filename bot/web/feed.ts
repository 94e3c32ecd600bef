// What keeps open console pages current: one LISTEN per process on the same wake-ups long-polls use
// (APPROVAL_CHANGED: decided, expired, created, an approval toward a quorum), gathered for 50 ms, then one
// count of pending approvals and one Server-Sent Event to every open page. A decision made anywhere
// (another replica, Slack, the CLI, the sweeper) reaches the page in well under a second. After a lost
// listener connection the database layer says "*", which is a change like any other.
import type { ServerResponse } from "node:http";
import { pendingCount } from "../../handlers/approvals/index.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";

const GATHER_MS = 50;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

export class ConsoleFeed {
  private readonly clients = new Set<ServerResponse>();
  private changed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.deps.database.listen(APPROVAL_CHANGED, (id) => this.note(id));
    this.keepalive = setInterval(() => this.write(": keepalive\n\n"), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  stop(): void {
    this.unlisten?.();
    clearInterval(this.keepalive);
    clearTimeout(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  /** Streams events to this response until the page goes away. */
  add(res: ServerResponse): void {
    this.clients.add(res);
    res.on("close", () => this.clients.delete(res));
  }

  private note(id: string): void {
    this.changed.add(id);
    this.timer ??= setTimeout(() => void this.flush(), GATHER_MS);
  }

  private async flush(): Promise<void> {
    const ids = [...this.changed];
    this.changed = new Set();
    this.timer = undefined;
    if (this.clients.size === 0) return;
    try {
      const pending = await pendingCount(this.deps);
      this.write(`event: changed\ndata: ${JSON.stringify({ pending, ids })}\n\n`);
    } catch (err) {
      this.onError(err);
    }
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
