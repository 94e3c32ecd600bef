// Admin-only: the audit log and its chain check. (API keys: keys.ts.)
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { listAudit, verifyAudit } from "../../../handlers/audit.ts";
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";

const auditQuery = z.object({
  approvalId: z.string().optional(),
  // The cursor is the id of the last event handed out.
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "is not one this server handed out")
    .transform(Number)
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export function adminRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get("/v1/audit", async (request) => {
    await ctx.auth.require(request, "admin");
    const q = parseWith(auditQuery, request.query, "query");
    return listAudit(ctx.deps.database.db, { approvalId: q.approvalId, afterId: q.cursor, limit: q.limit });
  });

  app.get("/v1/audit/verify", async (request) => {
    await ctx.auth.require(request, "admin");
    return verifyAudit(ctx.deps.database.db);
  });
}
