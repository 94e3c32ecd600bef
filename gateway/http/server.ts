// The HTTP server: one Fastify instance carrying the API, health and metrics; the composition root adds
// the chat endpoints (/slack/events, /api/messages, /email/decide) to the same server.
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerFactory,
  LogController,
} from "fastify";
import { CodedError } from "../../handlers/errors.ts";
import type { HttpContext } from "./context.ts";
import { errorBody, handleError } from "./errors.ts";
import { lazyChildLogger } from "./lazy-logger.ts";
import type { Metrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { trackRoutes } from "./route-table.ts";
import { adminRoutes } from "./routes/admin.ts";
import { agentApprovalRoutes } from "./routes/agent-approvals.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { healthRoutes } from "./routes/health.ts";
import { keyRoutes } from "./routes/keys.ts";
import { mcpServerRoutes } from "./routes/mcp-servers.ts";
import { toolCallRoutes } from "./routes/tool-calls.ts";

export const BODY_LIMIT = 1024 * 1024;

/** serverFactory: the HTTP server to answer on (the process binds its port before the app is ready). */
export function buildServer(
  ctx: HttpContext,
  metrics: Metrics,
  logger: FastifyBaseLogger,
  serverFactory?: FastifyServerFactory,
): FastifyInstance {
  const app = Fastify({
    serverFactory,
    loggerInstance: logger,
    childLoggerFactory: lazyChildLogger,
    bodyLimit: BODY_LIMIT,
    // One summary line per request comes from the onResponse hook below, at debug.
    logController: new LogController({ disableRequestLogging: true }),
    // Long-polls hold requests for up to a minute.
    requestTimeout: 120_000,
    forceCloseConnections: true,
  });
  // Before any route: the table GET /openapi.json is generated from (and the test that none is missed).
  const routes = trackRoutes(app);

  // The one hook every request runs; it takes a callback rather than returning a promise, since a promise
  // each is measurable on the allowed-call path. (What /v1 input may hold is apiRoute's to check.)
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) request.log.warn({ route, status: reply.statusCode }, "request failed");
    else request.log.debug({ route, status: reply.statusCode, ms: reply.elapsedTime }, "request");
    done();
  });

  app.setErrorHandler((err, request, reply) => handleError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        errorBody(new CodedError("not_found", `no route for ${request.method} ${request.url.split("?")[0]}`)),
      ),
  );

  healthRoutes(app, ctx, metrics);
  approvalRoutes(app, ctx);
  agentApprovalRoutes(app, ctx);
  toolCallRoutes(app, ctx);
  adminRoutes(app, ctx);
  keyRoutes(app, ctx);
  mcpServerRoutes(app, ctx);
  // Built on first request, once every route (the chat endpoints and MCP too) is registered.
  let document: Record<string, unknown> | undefined;
  app.get("/openapi.json", async () => {
    document ??= openApiDocument(routes, "v1");
    return document;
  });
  return app;
}
