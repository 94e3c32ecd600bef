// tools/list at /mcp/SERVER: the upstream's tools as it lists them, less those policy denies this agent
// outright (a tool some input could reach stays: each call is judged in full). Every tool may be called
// as a task, since Countersign keeps the task itself.
import type { ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import { mcpToolName } from "../../model/mcp.ts";
import type { Upstream } from "../execute/mcp/upstream.ts";
import type { Gateway } from "../submit/gateway.ts";
import type { Caller } from "./context.ts";
import { connectedClient } from "./forward.ts";

export async function listTools(g: Gateway, caller: Caller, upstream: Upstream): Promise<ListToolsResult> {
  // Until the server has been reached once its tools are unknown; afterwards the last list stands in.
  if (upstream.tools.length === 0) await connectedClient(upstream);
  const resources = g.deps.resources();
  const agent = resources.agents.get(caller.agent) ?? { name: caller.agent, labels: {} };
  const tools = upstream.tools.filter((t) => {
    const tool = resources.tools.get(mcpToolName(caller.server, t.name));
    return tool !== undefined && !g.policy.deniesOutright(agent, tool);
  });
  return {
    tools: tools.map((t) => ({
      ...t,
      execution: {
        ...t.execution,
        taskSupport: t.execution?.taskSupport === "required" ? "required" : "optional",
      },
    })),
  };
}
