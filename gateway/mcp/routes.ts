// /mcp/SERVER: the Streamable HTTP endpoint agents' MCP clients connect to (POST for messages, GET for
// the server's own stream, DELETE to end a session). Our checks come first — a foreign Origin or Host
// 403 (origin.ts), no key 401, a key that is not an agent's 403, an unknown SERVER 404, a session opened
// by another agent 403 — then the SDK's transport takes the request as it came.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import type { FastifyError, FastifyInstance, FastifyRequest } from "fastify";
import { CodedError } from "../../handlers/errors.ts";
import type { KeyAuthenticator } from "../http/auth.ts";
import { handleError } from "../http/errors.ts";
import type { Gateway } from "../submit/gateway.ts";
import { type OriginRules, originCheck } from "./origin.ts";
import type { McpSessions, Session } from "./sessions.ts";

export interface McpRouteContext {
  auth: KeyAuthenticator;
  gateway: Gateway;
  sessions: McpSessions;
  origins: OriginRules;
}

export function mcpRoutes(app: FastifyInstance, ctx: McpRouteContext): void {
  const checkOrigin = originCheck(ctx.origins);
  app.route<{ Params: { server: string } }>({
    method: ["POST", "GET", "DELETE"],
    url: "/mcp/:server",
    // A body that is not JSON is a JSON-RPC parse error; refusals of our own keep the API's error shape.
    errorHandler: (err: FastifyError, request, reply) => {
      if (err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") {
        return reply.status(400).send(jsonRpcError(-32700, `Parse error: ${err.message}`));
      }
      if (err instanceof CodedError && err.code === "unauthorized") {
        reply.header("www-authenticate", 'Bearer realm="countersign"');
      }
      return handleError(err, request, reply);
    },
    handler: async (request, reply) => {
      checkOrigin(request);
      const principal = await ctx.auth.require(request, "agent");
      const { server } = request.params;
      const upstream = ctx.gateway.upstreams.get(server);
      if (!upstream) {
        const known = [...ctx.gateway.deps.resources().mcpServers.keys()].join(", ");
        throw new CodedError("not_found", `no McpServer named ${server} (known: ${known || "none"})`);
      }
      const session = await sessionFor(ctx, request, principal.subject, server, upstream);
      if (!session) return reply.status(404).send(jsonRpcError(-32001, "Session not found"));
      if ("refusal" in session) return reply.status(400).send(session.refusal);
      ctx.sessions.track(session, request.body, (listener) => reply.raw.once("close", listener));
      reply.hijack();
      await session.transport.handleRequest(
        request.raw as IncomingMessage,
        reply.raw as ServerResponse,
        request.body,
      );
    },
  });
}

async function sessionFor(
  ctx: McpRouteContext,
  request: FastifyRequest,
  agent: string,
  server: string,
  upstream: NonNullable<ReturnType<Gateway["upstreams"]["get"]>>,
): Promise<Session | { refusal: unknown } | undefined> {
  const id = request.headers["mcp-session-id"];
  if (typeof id === "string") {
    const session = ctx.sessions.find(id);
    if (!session) return undefined;
    if (session.agent !== agent || session.server !== server) {
      throw new CodedError(
        "forbidden",
        `MCP session ${id} belongs to another agent or server; open your own with an initialize request`,
      );
    }
    return session;
  }
  if (request.method === "POST" && isInitializeRequest(request.body))
    return ctx.sessions.open(agent, upstream);
  return { refusal: jsonRpcError(-32000, "Bad Request: Mcp-Session-Id header is required") };
}

function jsonRpcError(code: number, message: string) {
  return { jsonrpc: "2.0", error: { code, message }, id: null };
}
