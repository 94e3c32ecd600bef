// One McpServer's connection, kept up: started at start-up, restarted with backoff when it is lost (a
// stdio server that exits, an HTTP server that forgets the session or stops answering), its tool list
// kept current (tools/list, refreshed on notifications/tools/list_changed). Callers wait up to the
// server's connectTimeoutMs for it; past that they are told plainly that it is unavailable and why.
import { EventEmitter } from "node:events";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  ErrorCode,
  LoggingMessageNotificationSchema,
  McpError,
  type Notification,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type ServerCapabilities,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import type { McpServerResource } from "../../../model/resources.ts";
import { openTransport } from "./transport.ts";

export type UpstreamStatus =
  | { status: "connecting"; since: Date; lastError: string | null }
  | { status: "connected"; since: Date }
  | { status: "unavailable"; since: Date; error: string; retryAt: Date; failedAttempt: number | null }
  | { status: "stopped"; since: Date };

export interface UpstreamOptions {
  logger: Logger;
  /** First pause before reconnecting; doubles per failure up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** The server's tools changed (first listing included). */
  onTools: (tools: Tool[]) => void;
  /** A notification the agents' sessions may need (list changes, resource updates, log messages). */
  onNotification: (notification: Notification) => void;
}

/** A connection that stayed up this long was healthy: the next failure starts the backoff afresh. */
const HEALTHY_MS = 10_000;

export class UpstreamUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpstreamUnavailable";
  }
}

export class Upstream {
  private client: Client | undefined;
  private state: UpstreamStatus = { status: "connecting", since: new Date(), lastError: null };
  private readonly events = new EventEmitter();
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private stopped = false;
  /** Connection attempts started so far (the number of the latest). */
  private attempt = 0;
  /** Connections lost and made again since start-up. */
  restarts = 0;
  tools: Tool[] = [];
  capabilities: ServerCapabilities = {};
  serverInfo: { name: string; version: string } | null = null;
  instructions: string | undefined;

  constructor(
    readonly resource: McpServerResource,
    private readonly opts: UpstreamOptions,
  ) {
    this.events.setMaxListeners(0);
  }

  get status(): UpstreamStatus {
    return this.state;
  }

  start(): void {
    void this.connect();
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.state = { status: "stopped", since: new Date() };
    const client = this.client;
    this.client = undefined;
    this.events.emit("change");
    return client?.close().catch(() => {}) ?? Promise.resolve();
  }

  /**
   * The connected client. A caller waits for one connection attempt — the one under way, or the next —
   * and up to the server's connectTimeoutMs; when that attempt fails, or time is up, UpstreamUnavailable
   * says why. (A server that was merely restarted is back within the wait.)
   */
  async connected(timeoutMs = this.resource.connectTimeoutMs): Promise<Client> {
    const deadline = Date.now() + timeoutMs;
    const chance = this.state.status === "connecting" ? this.attempt : this.attempt + 1;
    for (;;) {
      if (this.client && this.state.status === "connected") return this.client;
      if (this.stopped) throw new UpstreamUnavailable(`MCP server ${this.name} is stopped`);
      const s = this.state;
      const failed = s.status === "unavailable" && s.failedAttempt !== null && s.failedAttempt >= chance;
      const left = deadline - Date.now();
      if (failed || left <= 0) throw new UpstreamUnavailable(this.describeDown());
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.events.off("change", done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.events.on("change", done);
      });
    }
  }

  /** The connection broke under a caller (a closed stream, a forgotten session): make a new one. */
  lost(client: Client, why: string): void {
    if (client !== this.client) return;
    this.client = undefined;
    const lasted = Date.now() - this.state.since.getTime();
    if (this.state.status === "connected" && lasted >= HEALTHY_MS) this.failures = 0;
    this.opts.logger.warn({ mcpServer: this.name, why }, "MCP server connection lost; reconnecting");
    this.restarts++;
    void client.close().catch(() => {});
    this.retryLater(why, null);
  }

  private get name(): string {
    return this.resource.name;
  }

  private describeDown(): string {
    const s = this.state;
    const down = `MCP server ${this.name} is unavailable`;
    if (s.status === "unavailable") {
      const retry = Math.max(0, Math.ceil((s.retryAt.getTime() - Date.now()) / 1000));
      return `${down}: ${s.error} (since ${s.since.toISOString()}; next attempt in ${retry} s)`;
    }
    if (s.status === "connecting" && s.lastError) return `${down}: ${s.lastError} (reconnecting)`;
    return `${down}: it did not connect within ${this.resource.connectTimeoutMs} ms`;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    const lastError = this.state.status === "unavailable" ? this.state.error : null;
    this.setState({ status: "connecting", since: new Date(), lastError });
    const client = new Client({ name: "countersign", version: "1" }, { capabilities: {} });
    let transport: Transport;
    let lastWords: () => string;
    try {
      ({ transport, lastWords } = openTransport(this.resource, this.opts.logger));
    } catch (err) {
      return this.retryLater((err as Error).message, attempt);
    }
    this.listen(client);
    const known = this.serverInfo ? this.tools : undefined;
    try {
      await withTimeout(client.connect(transport), this.resource.connectTimeoutMs, "initialize");
      this.capabilities = client.getServerCapabilities() ?? {};
      this.serverInfo = client.getServerVersion() ?? null;
      this.instructions = client.getInstructions();
      this.tools = await listAllTools(client, this.resource.connectTimeoutMs);
    } catch (err) {
      void client.close().catch(() => {});
      return this.retryLater(withLastWords(startFailure(err, this.resource), lastWords()), attempt);
    }
    if (this.stopped) {
      void client.close().catch(() => {});
      return;
    }
    // A stdio server that exits, or a transport that closes, ends this connection.
    client.onclose = () => this.lost(client, withLastWords(closedWhy(this.resource), lastWords()));
    this.client = client;
    this.setState({ status: "connected", since: new Date() });
    this.opts.logger.info(
      { mcpServer: this.name, tools: this.tools.length, server: this.serverInfo },
      "MCP server connected",
    );
    this.opts.onTools(this.tools);
    // A restarted server may list other tools than before: the agents' clients should list them again.
    if (known !== undefined && JSON.stringify(known) !== JSON.stringify(this.tools)) {
      this.opts.onNotification({ method: "notifications/tools/list_changed" });
    }
  }

  private listen(client: Client) {
    client.onerror = (err) =>
      this.opts.logger.debug({ err, mcpServer: this.name }, "MCP server transport error");
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      void this.refreshTools(client);
    });
    for (const schema of [
      ResourceListChangedNotificationSchema,
      ResourceUpdatedNotificationSchema,
      PromptListChangedNotificationSchema,
      LoggingMessageNotificationSchema,
    ]) {
      client.setNotificationHandler(schema, (notification) => this.opts.onNotification(notification));
    }
  }

  /** Lists the tools again (notifications/tools/list_changed); a burst of notifications lists once. */
  private refreshTools(client: Client): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const tools = await listAllTools(client, this.resource.connectTimeoutMs);
        if (client !== this.client) return;
        this.tools = tools;
        this.opts.onTools(tools);
        this.opts.onNotification({ method: "notifications/tools/list_changed" });
      } catch (err) {
        this.opts.logger.warn(
          { err, mcpServer: this.name },
          "MCP server tools/list failed after list_changed",
        );
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Unavailable until the next attempt; `failedAttempt` null when a working connection was lost. */
  private retryLater(error: string, failedAttempt: number | null): void {
    if (this.stopped) return;
    const base = this.opts.backoffMs ?? 250;
    const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, base * 2 ** this.failures);
    this.failures++;
    const retryAt = new Date(Date.now() + delay);
    this.setState({ status: "unavailable", since: new Date(), error, retryAt, failedAttempt });
    this.opts.logger.warn({ mcpServer: this.name, error, retryInMs: delay }, "MCP server unavailable");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }

  private setState(state: UpstreamStatus) {
    this.state = state;
    this.events.emit("change");
  }
}

/** Every page of tools/list. */
async function listAllTools(client: Client, timeoutMs: number): Promise<Tool[]> {
  if (!client.getServerCapabilities()?.tools) return [];
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {}, { timeout: timeoutMs });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

/** Why a connection could not be made, in a person's words. */
function startFailure(err: unknown, resource: McpServerResource): string {
  if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed)
    return `${closedWhy(resource)} during start-up`;
  const e = err as { message?: string; code?: string; cause?: { code?: string } };
  if (e.code === "ENOENT" && resource.transport.type === "stdio") {
    return `cannot start ${resource.transport.command}: no such command`;
  }
  if (e.cause?.code && resource.transport.type === "http") {
    return `cannot reach ${new URL(resource.transport.url).origin} (${e.cause.code})`;
  }
  return e.message ?? String(err);
}

function closedWhy(resource: McpServerResource): string {
  return resource.transport.type === "stdio" ? "the server process exited" : "the connection closed";
}

function withLastWords(error: string, lastWords: string): string {
  return lastWords ? `${error}; its stderr ended with: ${lastWords}` : error;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
