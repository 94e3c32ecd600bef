// The agents' side, assembled: policy and input checks compiled once, the waiter hub, the executor and
// the McpServers' connections. The composition root builds one per process and starts and stops it with
// the server. Every way in for agents (the HTTP routes, the MCP endpoint) submits through this folder, so
// each takes the same path to the same records.
import type { Logger } from "pino";
import { APPROVALS_PER_AGENT_PER_MINUTE } from "../../handlers/approvals/agent-limit.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { type InputCheck, toolInputCheck } from "../../handlers/tool-input.ts";
import { Executor, type ExecutorOptions } from "../execute/executor.ts";
import { McpUpstreams, type McpUpstreamsOptions } from "../execute/mcp/upstreams.ts";
import type { PolicyEngine } from "../policy/engine.ts";
import { FinishedCallWriter, type FinishedCallWriterOptions } from "../tool-calls/finished-calls.ts";
import { WaiterHub, type WaiterHubOptions } from "../wait/hub.ts";

export interface Gateway {
  deps: HandlerDeps;
  policy: PolicyEngine;
  checkInput: InputCheck;
  hub: WaiterHub;
  executor: Executor;
  /** The McpServers' connections; their tools join the resources as SERVER.TOOL once reached. */
  upstreams: McpUpstreams;
  /** Stores the allowed calls of idempotent tools after their answers, grouping concurrent ones. */
  finishedCalls: FinishedCallWriter;
  /** How many approvals one agent may create a minute (COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE). */
  approvalsPerAgentPerMinute: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  executor?: ExecutorOptions;
  hub?: WaiterHubOptions;
  mcp?: McpUpstreamsOptions;
  approvalsPerAgentPerMinute?: number;
  finishedCalls?: FinishedCallWriterOptions;
}

export function createGateway(
  deps: HandlerDeps,
  policy: PolicyEngine,
  logger: Logger,
  options: GatewayOptions = {},
): Gateway {
  const hub = new WaiterHub(deps.database, {
    onError: (err) => logger.error({ err }, "waiter fallback poll failed"),
    ...options.hub,
  });
  const upstreams = new McpUpstreams(deps.resources, logger, options.mcp);
  const executor = new Executor(deps, upstreams, logger, options.executor);
  return {
    deps,
    policy,
    checkInput: toolInputCheck(deps.resources()),
    hub,
    executor,
    upstreams,
    finishedCalls: new FinishedCallWriter(deps.database.db, {
      onError: (err, rows, dropped) =>
        dropped
          ? logger.error(
              { err, call: rows[0]?.id, agent: rows[0]?.agent, tool: rows[0]?.tool },
              "call record refused by the database, not stored",
            )
          : logger.warn({ err, rows: rows.length }, "storing call records failed; retrying"),
      ...options.finishedCalls,
    }),
    approvalsPerAgentPerMinute: options.approvalsPerAgentPerMinute ?? APPROVALS_PER_AGENT_PER_MINUTE,
    async start() {
      upstreams.start();
      await hub.start();
      await executor.start();
    },
    async stop() {
      hub.stop();
      await executor.stop();
      await upstreams.stop();
    },
  };
}
