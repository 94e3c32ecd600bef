// Every McpServer's connection, and its tools as Countersign Tools. Connections start with the gateway
// (in the background: a server that is down never holds up start-up) and each server's tools are
// registered in the resource set as SERVER.TOOL once it is reached, and again whenever it says its list
// changed; while it is down its last known tools stay, so calls are judged and told it is unavailable.
import type { Notification, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { CodedError } from "../../../handlers/errors.ts";
import { classifyMcpTool, mcpServerOf } from "../../../model/mcp.ts";
import type { ResourceSet, ToolResource } from "../../../model/resources.ts";
import type { McpServerView } from "../../../sdk/types.ts";
import { callUpstreamTool, type McpAttempt } from "./call.ts";
import { Upstream, UpstreamUnavailable } from "./upstream.ts";
import { unknownOverrides, upstreamView } from "./view.ts";

export interface McpUpstreamsOptions {
  /** First reconnect pause (ms), doubling per failure; tests shorten it. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export type UpstreamListener = (server: string, notification: Notification) => void;

/** Hears a tool's progress while it runs (an MCP server's notifications/progress for the call). */
export type ProgressListener = (progress: { progress: number; total?: number; message?: string }) => void;

export class McpUpstreams {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly listeners = new Set<UpstreamListener>();

  constructor(
    private readonly resources: () => ResourceSet,
    private readonly logger: Logger,
    private readonly options: McpUpstreamsOptions = {},
  ) {}

  start(): void {
    for (const resource of this.resources().mcpServers.values()) {
      const upstream = new Upstream(resource, {
        logger: this.logger,
        backoffMs: this.options.backoffMs,
        maxBackoffMs: this.options.maxBackoffMs,
        onTools: (tools) => this.register(resource.name, tools),
        onNotification: (n) => {
          for (const listener of this.listeners) listener(resource.name, n);
        },
      });
      this.upstreams.set(resource.name, upstream);
      upstream.start();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.upstreams.values()].map((u) => u.stop()));
  }

  get(server: string): Upstream | undefined {
    return this.upstreams.get(server);
  }

  /** Hears the servers' notifications (list changes, resource updates, log messages). */
  listen(listener: UpstreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The Tool for SERVER.TOOL, once SERVER has been reached (waiting up to its connectTimeoutMs);
   * undefined when the name is no McpServer's or its server has no such tool. A server not reached in
   * time is 503 unavailable, naming why.
   */
  async resolveTool(name: string): Promise<ToolResource | undefined> {
    const resources = this.resources();
    const server = mcpServerOf(resources.mcpServers, name);
    const upstream = server && this.upstreams.get(server.name);
    if (!upstream) return undefined;
    if (upstream.tools.length === 0 || upstream.status.status !== "connected") {
      try {
        await upstream.connected();
      } catch (err) {
        if (err instanceof UpstreamUnavailable) throw new CodedError("unavailable", err.message);
        throw err;
      }
    }
    return resources.tools.get(name);
  }

  call(
    tool: ToolResource,
    input: unknown,
    callId: string,
    onProgress?: ProgressListener,
  ): Promise<McpAttempt> {
    const upstream = tool.mcp && this.upstreams.get(tool.mcp.server);
    if (!upstream) {
      return Promise.resolve({ kind: "not_sent", error: `no McpServer ${tool.mcp?.server} is defined` });
    }
    return callUpstreamTool(upstream, tool.mcp!, input, callId, onProgress);
  }

  views(): McpServerView[] {
    return [...this.upstreams.values()].map(upstreamView);
  }

  /** Puts the server's tools in the resource set as SERVER.TOOL, replacing its earlier list. */
  private register(server: string, tools: Tool[]): void {
    const resources = this.resources();
    const resource = resources.mcpServers.get(server)!;
    for (const name of [...resources.tools.keys()]) {
      if (resources.tools.get(name)?.mcp?.server === server) resources.tools.delete(name);
    }
    for (const tool of tools) {
      const classified = classifyMcpTool(resource, tool);
      resources.tools.set(classified.name, classified);
    }
    const unknown = unknownOverrides(resource, tools);
    if (unknown.length > 0) {
      this.logger.warn(
        { mcpServer: server, tools: unknown },
        `McpServer ${server}: spec.tools names tools the server does not list`,
      );
    }
  }
}
