// Admin-only: the audit log, its chain check, and minting API keys.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { appendAudit, listAudit, verifyAudit } from "../../../handlers/audit.ts";
import type { CreatedKey } from "../../../sdk/types.ts";
import { createKey } from "../../keys.ts";
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";

const keyBody = z.union(
  [
    z.object({ agent: z.string().min(1) }).strict(),
    z.object({ operator: z.email({ message: "must be an email address" }) }).strict(),
  ],
  { message: 'give either {"agent": NAME} or {"operator": EMAIL}' },
);

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

  app.post("/v1/keys", async (request, reply) => {
    await ctx.auth.require(request, "admin");
    const body = parseWith(keyBody, request.body);
    const principal =
      "agent" in body
        ? { kind: "agent" as const, subject: body.agent }
        : { kind: "operator" as const, subject: body.operator.toLowerCase() };
    const key = await ctx.deps.database.db.transaction(async (tx) => {
      const created = await createKey(tx, principal);
      await appendAudit(tx, {
        type: "key.created",
        actor: "admin",
        at: ctx.deps.clock.now(),
        data: { kind: principal.kind, subject: principal.subject },
      });
      return created;
    });
    const created: CreatedKey = { key, kind: principal.kind, subject: principal.subject };
    return reply.status(201).send(created);
  });
}
