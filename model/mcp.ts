// How a tool of an MCP server becomes a Countersign Tool (CONTRACT.md section 8): named SERVER.TOOL, of
// type mcp, judged by the same Policies. Its side effects come from the McpServer's spec.tools entry when
// there is one. Otherwise from the server's annotations, which are hints from the server: they can only
// say a tool is read-only, and anything else is classed as fail-safe allows (it writes outside; it is
// privileged unless the server says it is not destructive; it is idempotent only if the server says so).
import type { McpServerResource, SideEffects, ToolResource } from "./resources.ts";

/** The annotation hints of an MCP tool (ToolAnnotations); anything but true or false counts as absent. */
export interface McpToolHints {
  readOnlyHint?: unknown;
  destructiveHint?: unknown;
  idempotentHint?: unknown;
}

/** What the classification needs of an upstream tool (its tools/list entry). */
export interface UpstreamTool {
  name: string;
  annotations?: McpToolHints | undefined;
  inputSchema?: Record<string, unknown> | undefined;
}

export function mcpToolName(server: string, tool: string): string {
  return `${server}.${tool}`;
}

/** The McpServer whose name space (SERVER.*) a tool name falls in, if any. */
export function mcpServerOf(
  servers: ReadonlyMap<string, McpServerResource>,
  toolName: string,
): McpServerResource | undefined {
  const dot = toolName.indexOf(".");
  return dot > 0 ? servers.get(toolName.slice(0, dot)) : undefined;
}

/** The side effects the annotations allow, and only them. */
export function sideEffectsFromHints(hints: McpToolHints | undefined): SideEffects {
  if (hints?.readOnlyHint === true) {
    // A tool that changes nothing can be repeated whatever idempotentHint says.
    return { level: "read_only", idempotent: true, requiresApproval: false };
  }
  return {
    level: hints?.destructiveHint === false ? "external_write" : "privileged",
    idempotent: hints?.idempotentHint === true,
    requiresApproval: false,
  };
}

export function classifyMcpTool(server: McpServerResource, tool: UpstreamTool): ToolResource {
  const override = server.tools[tool.name];
  return {
    name: mcpToolName(server.name, tool.name),
    type: "mcp",
    mcp: {
      server: server.name,
      tool: tool.name,
      timeoutMs: override?.timeoutMs ?? server.timeoutMs,
      classifiedBy: override?.sideEffects ? "override" : "annotations",
    },
    sideEffects: override?.sideEffects ?? sideEffectsFromHints(tool.annotations),
    ...(tool.inputSchema && { inputSchema: tool.inputSchema }),
  };
}
