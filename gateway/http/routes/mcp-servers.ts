// The McpServers this replica fronts: how each is reached, whether it is up (and why not), and each of
// its tools as the Tool policies judge (SERVER.TOOL, side effects, classified by override or by the
// server's hints). Read by `countersign describe mcp`.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { CodedError } from "../../../handlers/errors.ts";
import type { McpServerView } from "../../../sdk/types.ts";
import { apiRoute } from "../api-route.ts";
import type { HttpContext } from "../context.ts";
import { mcpServerPageShape, mcpServerShape } from "../shapes.ts";

export function mcpServerRoutes(app: FastifyInstance, ctx: HttpContext) {
  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/mcp/servers",
    summary: "The McpServers this replica fronts at /mcp/NAME, their state and their tools",
    keys: ["operator", "admin"],
    responses: { 200: { description: "every McpServer", shape: mcpServerPageShape } },
    async handler(): Promise<{ items: McpServerView[] }> {
      return { items: ctx.gateway.upstreams.views() };
    },
  });

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/mcp/servers/:name",
    summary: "One McpServer, its state and its tools as Countersign classifies them",
    keys: ["operator", "admin"],
    params: z.object({ name: z.string().min(1) }),
    responses: { 200: { description: "the McpServer", shape: mcpServerShape } },
    errors: ["not_found"],
    async handler({ params }): Promise<McpServerView> {
      const view = ctx.gateway.upstreams.views().find((v) => v.name === params.name);
      if (!view) throw new CodedError("not_found", `no McpServer named ${params.name}`);
      return view;
    },
  });
}
