// POST /v1/console/links (admin key): a one-time console sign-in link for a known operator, valid 15
// minutes; what `countersign console link --operator EMAIL` prints. Audited: a link is a credential.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { apiRoute } from "../../../gateway/http/api-route.ts";
import type { KeyAuthenticator } from "../../../gateway/http/auth.ts";
import { appendAudit } from "../../../handlers/audit.ts";
import { CodedError } from "../../../handlers/errors.ts";
import { isKnownOperator } from "../auth.ts";
import type { WebContext } from "../context.ts";
import { createSignInLink } from "../sessions.ts";
import { signInUrl } from "./login.ts";

const linkBody = z.object({ operator: z.email({ message: "must be an email address" }) }).strict();

const linkShape = z.looseObject({ operator: z.string(), url: z.string(), expiresAt: z.string() });

export function linkApiRoutes(app: FastifyInstance, web: WebContext, auth: KeyAuthenticator): void {
  apiRoute(app, auth, {
    method: "POST",
    url: "/v1/console/links",
    summary: "A one-time console sign-in link for an operator, valid 15 minutes",
    keys: ["admin"],
    body: linkBody,
    responses: { 200: { description: "the link and when it expires", shape: linkShape } },
    errors: ["not_found"],
    async handler({ body }, _request, reply) {
      const email = body.operator.toLowerCase();
      if (!(await isKnownOperator(web, email))) {
        throw new CodedError(
          "not_found",
          `${email} has no operator key, so cannot sign in; make one first: countersign keys create --operator ${email}`,
        );
      }
      const now = web.deps.clock.now();
      const link = await web.deps.database.db.transaction(async (tx) => {
        const made = await createSignInLink(tx, email, now);
        await appendAudit(tx, {
          type: "console.link_created",
          actor: "admin",
          at: now,
          data: { operator: email, expiresAt: made.expiresAt.toISOString() },
        });
        return made;
      });
      reply.header("cache-control", "no-store");
      return {
        operator: email,
        url: signInUrl(web.publicUrl, link.token),
        expiresAt: link.expiresAt.toISOString(),
      };
    },
  });
}
