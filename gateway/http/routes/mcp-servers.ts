// The McpServers this replica fronts: how each is reached, whether it is up (and why not), and each of
// its tools as the Tool policies judge (SERVER.TOOL, side effects, classified by override or by the
// server's hints). Read by `countersign describe mcp`.
import type { FastifyInstance } from "fastify";
import { CodedError } from "../../../handlers/errors.ts";
import type { McpServerView } from "../../../sdk/types.ts";
import type { HttpContext } from "../context.ts";

export function mcpServerRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get("/v1/mcp/servers", async (request): Promise<{ items: McpServerView[] }> => {
    await ctx.auth.require(request, "operator", "admin");
    return { items: ctx.gateway.upstreams.views() };
  });

  app.get<{ Params: { name: string } }>("/v1/mcp/servers/:name", async (request): Promise<McpServerView> => {
    await ctx.auth.require(request, "operator", "admin");
    const view = ctx.gateway.upstreams.views().find((v) => v.name === request.params.name);
    if (!view) throw new CodedError("not_found", `no McpServer named ${request.params.name}`);
    return view;
  });
}
