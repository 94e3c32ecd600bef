// The agents' MCP sessions on this process: one SDK Server and Streamable HTTP transport each, bound to
// the agent whose key opened it and to one McpServer. A session lives in the memory of the replica that
// initialized it (behind a load balancer, route /mcp by the Mcp-Session-Id header); what must outlive
// it — held calls, approvals, repeats, tasks — is in the database, so a client that starts a new session
// anywhere finds it again. Idle sessions are closed; the upstream's notifications reach each session
// that should hear them (list changes to all, resource updates to subscribers, log messages by level).
import { randomUUID } from "node:crypto";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { LoggingMessageNotification, Notification } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import type { Upstream } from "../execute/mcp/upstream.ts";
import type { Gateway } from "../submit/gateway.ts";
import type { Caller } from "./context.ts";
import { send } from "./forward.ts";
import { sessionServer } from "./session-server.ts";

export interface McpSessionsOptions {
  /** Progress notifications while a call is held (ms); CONTRACT.md asks for at least every 15 s. */
  progressEveryMs?: number;
  /** A session with no request for this long, and none open, is closed (ms). */
  idleMs?: number;
  /** Sessions one agent may hold on this process; past it, its least recently used idle one is closed. */
  perAgent?: number;
}

export interface Session extends Caller {
  id: string | undefined;
  transport: StreamableHTTPServerTransport;
  mcp: Server;
  upstream: Upstream;
  lastSeen: number;
  /** HTTP requests of this session still open (a held call, a GET stream). */
  open: number;
  /** The JSON-RPC requests in flight, by id: the signal of one a handler waits on, made when it asks. */
  inflight: Map<string | number, { closed: boolean; hangUp?: AbortController }>;
  subscriptions: Set<string>;
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  /** Sessions subscribed to each upstream resource, keyed `SERVER uri`. */
  private readonly subscribers = new Map<string, Set<Session>>();
  private readonly progressEveryMs: number;
  private readonly idleMs: number;
  private readonly perAgent: number;
  private reaper: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly g: Gateway,
    private readonly logger: Logger,
    opts: McpSessionsOptions = {},
  ) {
    this.progressEveryMs = opts.progressEveryMs ?? 10_000;
    this.idleMs = opts.idleMs ?? 60 * 60_000;
    this.perAgent = opts.perAgent ?? 100;
  }

  start(): void {
    this.unlisten = this.g.upstreams.listen((server, n) => this.relay(server, n));
    this.reaper = setInterval(() => this.reapIdle(), Math.min(this.idleMs, 60_000));
    this.reaper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.reaper);
    this.unlisten?.();
    await Promise.all([...this.sessions.values()].map((s) => this.close(s)));
  }

  find(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  /** A new session for an initialize request; registered once the transport gives it its id. */
  async open(agent: string, upstream: Upstream): Promise<Session> {
    // Mirror the upstream's capabilities: give it its connect timeout to be reached the first time.
    if (!upstream.serverInfo) await upstream.connected().catch(() => {});
    const inflight: Session["inflight"] = new Map();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        session.id = id;
        this.sessions.set(id, session);
        this.keepWithinLimit(agent);
      },
      onsessionclosed: () => void this.close(session),
    });
    const caller: Caller = {
      agent,
      server: upstream.resource.name,
      hangUp: (requestId) => {
        // Made only for a request that waits (a held call): most answer at once and never need one.
        const entry = inflight.get(requestId);
        // Every request comes through track() first: one no longer there has been closed already.
        if (!entry) return AbortSignal.abort();
        entry.hangUp ??= new AbortController();
        if (entry.closed) entry.hangUp.abort();
        return entry.hangUp.signal;
      },
      release: (requestId) => transport.closeSSEStream(requestId),
    };
    const hooks = {
      subscribe: (uri: string) => this.subscribe(session, uri),
      unsubscribe: (uri: string) => this.unsubscribe(session, uri),
    };
    const session: Session = {
      ...caller,
      id: undefined,
      transport,
      upstream,
      mcp: sessionServer(this.g, caller, upstream, hooks, { progressEveryMs: this.progressEveryMs }),
      lastSeen: Date.now(),
      open: 0,
      inflight,
      subscriptions: new Set(),
    };
    session.mcp.onerror = (err) => this.logger.debug({ err, mcpServer: session.server }, "MCP session error");
    transport.onclose = () => void this.close(session);
    await session.mcp.connect(transport);
    return session;
  }

  /**
   * Counts an HTTP request of the session as open until it closes, and ties its JSON-RPC requests to it:
   * a client that closes the request stops waiting for them (the calls themselves go on).
   */
  track(session: Session, body: unknown, closed: (listener: () => void) => void): void {
    session.lastSeen = Date.now();
    session.open++;
    const ids = (Array.isArray(body) ? body : [body])
      .filter((m) => typeof m === "object" && m !== null && "method" in m && "id" in m)
      .map((m) => (m as { id: string | number }).id);
    for (const id of ids) session.inflight.set(id, { closed: false });
    closed(() => {
      session.open--;
      session.lastSeen = Date.now();
      for (const id of ids) {
        const entry = session.inflight.get(id);
        if (!entry) continue;
        entry.closed = true;
        entry.hangUp?.abort();
        session.inflight.delete(id);
      }
    });
  }

  private async close(session: Session): Promise<void> {
    if (session.id === undefined || !this.sessions.delete(session.id)) return;
    for (const uri of session.subscriptions) await this.unsubscribe(session, uri).catch(() => {});
    await session.mcp.close().catch(() => {});
  }

  /** A client that opens sessions without ever ending them must not fill this process's memory. */
  private keepWithinLimit(agent: string): void {
    const theirs = [...this.sessions.values()].filter((s) => s.agent === agent);
    if (theirs.length <= this.perAgent) return;
    const idle = theirs.filter((s) => s.open === 0).sort((x, y) => x.lastSeen - y.lastSeen);
    for (const session of idle.slice(0, theirs.length - this.perAgent)) void this.close(session);
  }

  private reapIdle(): void {
    const before = Date.now() - this.idleMs;
    for (const session of this.sessions.values()) {
      if (session.open === 0 && session.lastSeen < before) void this.close(session);
    }
  }

  /** Subscribes upstream on the first session to ask, so every session's interest shares one subscription. */
  private async subscribe(session: Session, uri: string): Promise<void> {
    const key = `${session.server} ${uri}`;
    const subscribed = this.subscribers.get(key) ?? new Set();
    if (subscribed.size === 0) {
      await send(session.upstream, { method: "resources/subscribe", params: { uri } });
    }
    subscribed.add(session);
    this.subscribers.set(key, subscribed);
    session.subscriptions.add(uri);
  }

  private async unsubscribe(session: Session, uri: string): Promise<void> {
    const key = `${session.server} ${uri}`;
    const subscribed = this.subscribers.get(key);
    session.subscriptions.delete(uri);
    if (!subscribed?.delete(session) || subscribed.size > 0) return;
    this.subscribers.delete(key);
    await send(session.upstream, { method: "resources/unsubscribe", params: { uri } });
  }

  /** An upstream notification, to the sessions of that server that should hear it. */
  private relay(server: string, n: Notification): void {
    const targets =
      n.method === "notifications/resources/updated"
        ? [...(this.subscribers.get(`${server} ${(n.params as { uri?: string })?.uri}`) ?? [])]
        : [...this.sessions.values()].filter((s) => s.server === server);
    for (const session of targets) {
      const sent =
        n.method === "notifications/message"
          ? session.mcp.sendLoggingMessage((n as LoggingMessageNotification).params, session.id)
          : session.mcp.notification(n as never);
      // A session without the capability, or without an open stream, simply does not hear it.
      void Promise.resolve(sent).catch(() => {});
    }
  }
}
