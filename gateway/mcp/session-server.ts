// The MCP server one agent session talks to at /mcp/SERVER: the official SDK's low-level Server, with
// the upstream server's capabilities mirrored. tools/list shows the upstream's tools less those policy
// denies this agent outright; tools/call and tasks go through the gateway (call-tool.ts, tasks.ts); the
// rest — resources, prompts, completions — is passed to the upstream server and its answer passed back
// as it was. ping and logging/setLevel are answered here (log messages from the upstream are forwarded
// at the level each session set).
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  CancelTaskRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type ServerCapabilities,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Upstream } from "../execute/mcp/upstream.ts";
import type { Gateway } from "../submit/gateway.ts";
import { callTool, type HoldOptions } from "./call-tool.ts";
import type { Caller } from "./context.ts";
import { forward } from "./forward.ts";
import { listTools } from "./list-tools.ts";
import { cancelTask, getTask, taskResult } from "./tasks.ts";

export interface SessionHooks {
  subscribe(uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
}

export function sessionServer(
  g: Gateway,
  caller: Caller,
  upstream: Upstream,
  hooks: SessionHooks,
  opts: HoldOptions,
): Server {
  const up = upstream.capabilities;
  const capabilities: ServerCapabilities = {
    tools: { listChanged: true },
    // Any tool may be called as a task: Countersign keeps the task, whatever the upstream supports.
    tasks: { requests: { tools: { call: {} } } },
    ...(up.resources && { resources: { subscribe: up.resources.subscribe === true, listChanged: true } }),
    ...(up.prompts && { prompts: { listChanged: true } }),
    ...(up.completions && { completions: {} }),
    ...(up.logging && { logging: {} }),
  };
  const info = upstream.serverInfo;
  const server = new Server(
    {
      name: info?.name ?? caller.server,
      version: info?.version ?? "0",
      title: `${info?.name ?? caller.server} (approvals by Countersign)`,
    },
    { capabilities, ...(upstream.instructions && { instructions: upstream.instructions }) },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => listTools(g, caller, upstream));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    callTool(g, caller, request, extra, opts),
  );
  server.setRequestHandler(GetTaskRequestSchema, (request) =>
    getTask(g, caller.agent, request.params.taskId),
  );
  server.setRequestHandler(GetTaskPayloadRequestSchema, (request, extra) =>
    taskResult(g, caller.agent, request.params.taskId, extra),
  );
  server.setRequestHandler(CancelTaskRequestSchema, (request) =>
    cancelTask(g, caller.agent, request.params.taskId),
  );

  if (capabilities.resources) {
    server.setRequestHandler(ListResourcesRequestSchema, forward(upstream));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, forward(upstream));
    server.setRequestHandler(ReadResourceRequestSchema, forward(upstream));
    if (capabilities.resources.subscribe) {
      server.setRequestHandler(SubscribeRequestSchema, async (request) => {
        await hooks.subscribe(request.params.uri);
        return {};
      });
      server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
        await hooks.unsubscribe(request.params.uri);
        return {};
      });
    }
  }
  if (capabilities.prompts) {
    server.setRequestHandler(ListPromptsRequestSchema, forward(upstream));
    server.setRequestHandler(GetPromptRequestSchema, forward(upstream));
  }
  if (capabilities.completions) server.setRequestHandler(CompleteRequestSchema, forward(upstream));
  return server;
}
