// GET/POST /email/decide?token=… on the product's Fastify server, as an encapsulated plugin: its form
// parser and HTML error pages do not leak into the JSON API. GET shows the confirm page and never
// decides; only the POSTed form does. The token is a credential: pages are not cached, not framed, and
// send no Referer onwards, and the token is never logged.
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { type LinkPage, openLink, submitLink } from "./decide-link.ts";
import type { LinkSigner } from "./links.ts";
import { renderLinkPage } from "./pages.ts";

/** A rationale of RATIONALE_MAX characters, percent-encoded, fits with room to spare. */
const FORM_LIMIT = 64 * 1024;

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

export interface EmailRoutesOptions {
  deps: HandlerDeps;
  signer: () => Promise<LinkSigner>;
  publicUrl: string;
  logger: Logger;
}

export function emailRoutes(o: EmailRoutesOptions) {
  const send = (reply: FastifyReply, p: LinkPage, token: string | undefined) =>
    reply
      .status(p.status)
      .headers(HEADERS)
      .send(renderLinkPage(p, o.publicUrl, token ?? ""));
  const tokenOf = (query: unknown): string | undefined => {
    const token = (query as { token?: unknown } | undefined)?.token;
    return typeof token === "string" ? token : undefined;
  };

  return async (scope: FastifyInstance): Promise<void> => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: FORM_LIMIT },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.setErrorHandler((err: FastifyError, _request, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      const message =
        err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? "Send the form as application/x-www-form-urlencoded."
          : err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
            ? "The form is too large."
            : status < 500
              ? err.message
              : "Something went wrong on our side. Open the link again to see whether your decision was recorded.";
      if (status >= 500) o.logger.error({ err }, "email link request failed");
      return send(reply, { page: "error", status, title: "The link could not be used", message }, undefined);
    });

    scope.get("/email/decide", async (request, reply) => {
      const token = tokenOf(request.query);
      return send(reply, await openLink(o.deps, await o.signer(), token), token);
    });
    scope.post("/email/decide", async (request, reply) => {
      const token = tokenOf(request.query);
      const rationale = (request.body as { rationale?: unknown } | undefined)?.rationale;
      return send(reply, await submitLink(o.deps, await o.signer(), token, rationale), token);
    });
  };
}
