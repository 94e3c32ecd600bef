// Admin-only: API keys. Minting one (shown once, optionally expiring), listing them (never the key nor
// its hash), and revoking one, which every replica honours at once. Each creation and revocation is an
// audit event, in the same transaction as the change it records.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { appendAudit } from "../../../handlers/audit.ts";
import { CodedError } from "../../../handlers/errors.ts";
import type { ApiKey, CreatedKey } from "../../../sdk/types.ts";
import { decodeKeyCursor, issueKey, listKeys, revokeKey } from "../../keys.ts";
import { apiRoute } from "../api-route.ts";
import type { HttpContext } from "../context.ts";
import { apiKeyPageShape, apiKeyShape, createdKeyShape } from "../shapes.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

const expiresInDays = z
  .number({ message: "must be a number of days" })
  .positive("must be more than 0")
  .max(3650, "must be at most 3650 days (ten years)")
  .optional();

const keyBody = z.union(
  [
    z.object({ agent: z.string().min(1), expiresInDays }).strict(),
    z.object({ operator: z.email({ message: "must be an email address" }), expiresInDays }).strict(),
  ],
  { message: 'give either {"agent": NAME} or {"operator": EMAIL}, and optionally "expiresInDays"' },
);

const listQuery = z.object({
  status: z.enum(["active", "all"], { message: "must be active or all" }).default("active"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
});

export function keyRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { db } = ctx.deps.database;

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/keys",
    summary: "Mint an API key for an Agent or an operator (shown this once)",
    keys: ["admin"],
    body: keyBody,
    responses: { 201: { description: "the new key", shape: createdKeyShape } },
    async handler({ body }, _request, reply) {
      const principal =
        "agent" in body
          ? { kind: "agent" as const, subject: body.agent }
          : { kind: "operator" as const, subject: body.operator.toLowerCase() };
      const now = ctx.deps.clock.now();
      const expiresAt =
        body.expiresInDays === undefined ? null : new Date(now.getTime() + body.expiresInDays * DAY_MS);
      const issued = await db.transaction(async (tx) => {
        const minted = await issueKey(tx, principal, { createdAt: now, expiresAt });
        await appendAudit(tx, {
          type: "key.created",
          actor: "admin",
          at: now,
          data: { id: minted.id, kind: principal.kind, subject: principal.subject, expiresAt },
        });
        return minted;
      });
      const created: CreatedKey = {
        id: issued.id,
        key: issued.key,
        kind: principal.kind,
        subject: principal.subject,
        expiresAt: expiresAt?.toISOString() ?? null,
      };
      return reply.status(201).send(created);
    },
  });

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/keys",
    summary: "The API keys (never a key itself nor its hash)",
    keys: ["admin"],
    query: listQuery,
    responses: { 200: { description: "one page of keys", shape: apiKeyPageShape } },
    async handler({ query: q }) {
      return listKeys(db, {
        all: q.status === "all",
        limit: q.limit,
        cursor: q.cursor === undefined ? undefined : decodeKeyCursor(q.cursor),
        now: ctx.deps.clock.now(),
      });
    },
  });

  apiRoute(app, ctx.auth, {
    method: "DELETE",
    url: "/v1/keys/:id",
    summary: "Revoke an API key; every replica refuses it at once",
    keys: ["admin"],
    params: z.object({ id: z.string().min(1) }),
    responses: { 200: { description: "the revoked key", shape: apiKeyShape } },
    errors: ["not_found"],
    async handler({ params: { id } }) {
      const now = ctx.deps.clock.now();
      const { key, revoked } = await db.transaction(async (tx) => {
        const result = await revokeKey(tx, id, now);
        if (!result)
          throw new CodedError("not_found", `no API key with id ${id} (countersign keys ls lists them)`);
        // Revoking a revoked key changes nothing, and is not audited twice.
        if (result.revoked) {
          await appendAudit(tx, {
            type: "key.revoked",
            actor: "admin",
            at: now,
            data: { id, kind: result.key.kind, subject: result.key.agent ?? result.key.operator ?? "admin" },
          });
        }
        return result;
      });
      // This replica refuses the key (and the console sessions it vouched for) from its very next request,
      // without waiting for its own KEYS_CHANGED to come back.
      if (revoked) ctx.auth.keysChanged();
      return key satisfies ApiKey;
    },
  });
}
