// An McpServer and its classified tools as the API and the CLI show them (sdk/types.ts McpServerView).
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { displayUrl } from "../../../model/display-url.ts";
import { classifyMcpTool } from "../../../model/mcp.ts";
import type { McpServerResource } from "../../../model/resources.ts";
import type { McpServerView, McpToolView } from "../../../sdk/types.ts";
import type { Upstream } from "./upstream.ts";

/** How the server is reached, with no header or environment values and no credentials in the URL. */
export function describeTransport(resource: McpServerResource): string {
  const t = resource.transport;
  if (t.type === "stdio") return `stdio: ${[t.command, ...t.args].join(" ")}`;
  return `http: ${displayUrl(t.url)}`;
}

export function toolViews(resource: McpServerResource, tools: readonly Tool[]): McpToolView[] {
  return tools.map((tool) => {
    const classified = classifyMcpTool(resource, tool);
    const a = tool.annotations ?? {};
    const hints: McpToolView["hints"] = {};
    for (const key of ["readOnlyHint", "destructiveHint", "idempotentHint"] as const) {
      if (typeof a[key] === "boolean") hints[key] = a[key];
    }
    return {
      name: classified.name,
      tool: tool.name,
      sideEffects: classified.sideEffects,
      classifiedBy: classified.mcp!.classifiedBy,
      hints,
    };
  });
}

/** spec.tools entries that name no tool of the server. */
export function unknownOverrides(resource: McpServerResource, tools: readonly Tool[]): string[] {
  const names = new Set(tools.map((t) => t.name));
  return Object.keys(resource.tools).filter((name) => !names.has(name));
}

export function serverView(
  resource: McpServerResource,
  state: Pick<McpServerView, "status" | "error" | "since" | "restarts" | "server">,
  tools: readonly Tool[],
): McpServerView {
  return {
    name: resource.name,
    transport: describeTransport(resource),
    ...state,
    tools: toolViews(resource, tools),
    unknownOverrides: unknownOverrides(resource, tools),
  };
}

/** An upstream connection as it stands. */
export function upstreamView(u: Upstream): McpServerView {
  const s = u.status;
  const error = s.status === "unavailable" ? s.error : s.status === "connecting" ? s.lastError : null;
  return serverView(
    u.resource,
    { status: s.status, error, since: s.since.toISOString(), restarts: u.restarts, server: u.serverInfo },
    u.tools,
  );
}
