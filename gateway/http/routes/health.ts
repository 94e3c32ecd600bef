// Health and metrics. /metrics asks for the admin key wherever the request comes from: a reverse proxy
// on the same host makes every request look like loopback, so the address proves nothing. An operator
// whose scraper cannot send a key opens it explicitly (COUNTERSIGN_METRICS_PUBLIC=true).
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "../context.ts";
import type { Metrics } from "../metrics.ts";

export function healthRoutes(app: FastifyInstance, ctx: HttpContext, metrics: Metrics) {
  app.get("/healthz", async () => ({ status: "ok", database: ctx.deps.database.kind }));

  app.get("/metrics", async (request, reply) => {
    if (!ctx.metricsPublic) await ctx.auth.require(request, "admin");
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
