// Admin-only: the audit log, its check (chain and signed checkpoints) and its export for a third party.
// (API keys: keys.ts.)
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { allAuditEvents, listAudit, listCheckpoints, verifyAudit } from "../../../handlers/audit.ts";
import { checkpointHead } from "../../../handlers/audit-checkpoints.ts";
import type { AuditExport } from "../../../sdk/types.ts";
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
  const db = ctx.deps.database.db;

  app.get("/v1/audit", async (request) => {
    await ctx.auth.require(request, "admin");
    const q = parseWith(auditQuery, request.query, "query");
    return listAudit(db, { approvalId: q.approvalId, afterId: q.cursor, limit: q.limit });
  });

  app.get("/v1/audit/verify", async (request) => {
    await ctx.auth.require(request, "admin");
    return verifyAudit(db, ctx.audit.trusted);
  });

  // The public half of the checkpoint key, to hand a third party by a channel they trust.
  app.get("/v1/audit/public-key", async (request) => {
    await ctx.auth.require(request, "admin");
    return { keyId: ctx.audit.signer.keyId, publicKey: ctx.audit.signer.publicKey };
  });

  // Signs the head first, so the export is vouched for up to its last event.
  app.post("/v1/audit/export", async (request) => {
    await ctx.auth.require(request, "admin");
    await checkpointHead(db, ctx.audit.signer, ctx.deps.clock.now());
    const checkpoints = await listCheckpoints(db);
    const newest = checkpoints.at(-1)?.eventId ?? 0;
    const body: AuditExport = {
      format: "countersign.audit-export.v1",
      exportedAt: ctx.deps.clock.now().toISOString(),
      publicKey: ctx.audit.signer.publicKey,
      keyId: ctx.audit.signer.keyId,
      // Events appended after the checkpoint are left for the next export: everything here is signed.
      events: (await allAuditEvents(db)).filter((e) => e.id <= newest),
      checkpoints,
    };
    return body;
  });
}
