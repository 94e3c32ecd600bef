// Health and metrics. /metrics answers anyone on loopback, and an admin key from elsewhere.
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "../context.ts";
import type { Metrics } from "../metrics.ts";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

export function healthRoutes(app: FastifyInstance, ctx: HttpContext, metrics: Metrics) {
  app.get("/healthz", async () => ({ status: "ok", database: ctx.deps.database.kind }));

  app.get("/metrics", async (request, reply) => {
    if (!LOOPBACK.test(request.ip)) await ctx.auth.require(request, "admin");
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
