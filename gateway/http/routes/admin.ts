// Admin-only: the audit log, its check (chain and signed checkpoints) and its export for a third party.
// (API keys: keys.ts.)
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { allAuditEvents, listAudit, listCheckpoints, verifyAudit } from "../../../handlers/audit.ts";
import { checkpointHead } from "../../../handlers/audit-checkpoints.ts";
import type { AuditExport } from "../../../sdk/types.ts";
import { apiRoute } from "../api-route.ts";
import type { HttpContext } from "../context.ts";
import { auditExportShape, auditPageShape, auditPublicKeyShape, auditVerificationShape } from "../shapes.ts";

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

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/audit",
    summary: "The audit log, oldest first, in pages",
    keys: ["admin"],
    query: auditQuery,
    responses: { 200: { description: "one page of events", shape: auditPageShape } },
    async handler({ query: q }) {
      return listAudit(db, { approvalId: q.approvalId, afterId: q.cursor, limit: q.limit });
    },
  });

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/audit/verify",
    summary: "Recompute the hash chain and check every signed checkpoint; name each problem",
    keys: ["admin"],
    responses: {
      200: { description: "the verdict (ok: false lists the problems)", shape: auditVerificationShape },
    },
    async handler() {
      return verifyAudit(db, ctx.audit.trusted);
    },
  });

  // The public half of the checkpoint key, to hand a third party by a channel they trust.
  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/audit/public-key",
    summary: "The Ed25519 public key (PEM) that signs the audit checkpoints",
    keys: ["admin"],
    responses: { 200: { description: "the key and its id", shape: auditPublicKeyShape } },
    async handler() {
      return { keyId: ctx.audit.signer.keyId, publicKey: ctx.audit.signer.publicKey };
    },
  });

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/audit/export",
    summary: "Sign the chain's head, then answer every event and checkpoint for an offline check",
    keys: ["admin"],
    responses: { 200: { description: "the export file's content", shape: auditExportShape } },
    async handler() {
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
    },
  });
}
