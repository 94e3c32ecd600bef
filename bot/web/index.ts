// The web console (CONTRACT §7), as an encapsulated plugin under /console on the product's server: its
// cookies, form parser, CSRF check, security headers and HTML error pages do not leak into the JSON API.
// Every page needs a session except sign-in and the two static assets; every POST needs the CSRF token.
import { readFileSync } from "node:fs";
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import formbody from "@fastify/formbody";
import helmet from "@fastify/helmet";
import type { FastifyError, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { errorPage } from "../../blocks/html/error.tsx";
import type { KeyAuthenticator } from "../../gateway/http/auth.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { isCodedError } from "../../handlers/errors.ts";
import { currentSession } from "./auth.ts";
import type { WebContext } from "./context.ts";
import { HTML } from "./context.ts";
import { ConsoleFeed } from "./feed.ts";
import { oidcRouteDeps } from "./oidc/index.ts";
import { oidcRoutes } from "./oidc/routes.ts";
import type { OidcSignIn } from "./oidc/sign-in.ts";
import { approvalRoutes } from "./routes/approval.ts";
import { decideRoutes } from "./routes/decide.ts";
import { eventRoutes } from "./routes/events.ts";
import { linkApiRoutes } from "./routes/link-api.ts";
import { loginRoutes } from "./routes/login.ts";
import { queueRoutes } from "./routes/queue.ts";
import { SessionCache } from "./session-cache.ts";
import type { ConsoleSession } from "./sessions.ts";
import { viewerOf } from "./viewer.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in person on a console route (set before any route that needs one runs). */
    consoleSession: ConsoleSession | null;
  }
  interface FastifyContextConfig {
    /** A console route that needs no session (sign-in, assets). */
    public?: boolean;
  }
}

/** A rationale of RATIONALE_MAX characters, an edited input, or 200 ticked ids fit with room to spare. */
const FORM_LIMIT = 256 * 1024;

const ASSETS: Record<string, string> = {
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

export interface WebConsole {
  context: WebContext;
  register(server: FastifyInstance, auth: KeyAuthenticator): Promise<void>;
  start(): Promise<void>;
  stop(): void;
}

export function createConsole(o: {
  deps: HandlerDeps;
  publicUrl: string;
  logger: Logger;
  mailSignInLink?: ((to: string, url: string) => Promise<void>) | undefined;
  oidc?: OidcSignIn | undefined;
}): WebConsole {
  const feed = new ConsoleFeed(o.deps, (err) =>
    o.logger.warn({ err }, "console events: pending count failed"),
  );
  const web: WebContext = {
    deps: o.deps,
    publicUrl: o.publicUrl,
    secureCookies: o.publicUrl.startsWith("https://"),
    logger: o.logger,
    mailSignInLink: o.mailSignInLink,
    feed,
    sessions: new SessionCache(o.deps.database),
    oidc: o.oidc,
  };
  let keys: KeyAuthenticator | undefined;
  return {
    context: web,
    async register(server, auth) {
      keys = auth;
      linkApiRoutes(server, web, auth);
      await server.register(consolePlugin(web), { prefix: "/console" });
    },
    async start() {
      if (!keys) throw new Error("the console starts after it is registered");
      await Promise.all([feed.start(), web.sessions.start(keys)]);
    },
    stop() {
      feed.stop();
      web.sessions.stop();
    },
  };
}

function consolePlugin(web: WebContext) {
  return async (scope: FastifyInstance): Promise<void> => {
    await scope.register(cookie);
    await scope.register(formbody, { bodyLimit: FORM_LIMIT });
    await scope.register(csrf, {
      cookieKey: "countersign_csrf",
      cookieOpts: { path: "/console", httpOnly: true, sameSite: "strict", secure: web.secureCookies },
      getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
    });
    await scope.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          connectSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: "no-referrer" },
      // HSTS means something only over https.
      strictTransportSecurity: web.secureCookies,
      frameguard: { action: "deny" },
      // Same-site only: nothing on the console is for other origins to embed or read.
      crossOriginResourcePolicy: { policy: "same-origin" },
    });
    scope.decorateRequest("consoleSession", null);

    // Approval data is never cached, anywhere, by anyone. (A callback, not a promise: every page runs it.)
    scope.addHook("onSend", (_request, reply, payload, done) => {
      reply.header("cache-control", "no-store");
      done(null, payload);
    });

    scope.addHook("preHandler", async (request, reply) => {
      if (request.method === "POST") {
        await new Promise<void>((resolve, reject) =>
          scope.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve())),
        );
      }
      if (request.routeOptions.config.public) return;
      request.consoleSession = await currentSession(web, request);
      if (request.consoleSession) return;
      if (request.method === "GET" && !request.url.startsWith("/console/events")) {
        const next = encodeURIComponent(request.url);
        return reply.redirect(`/console/login?next=${next}`, 303);
      }
      return reply
        .status(401)
        .type(HTML)
        .send(
          errorPage({
            title: "Signed out",
            message: "You are not signed in (or your session ended). Sign in again to continue.",
            viewer: null,
            pending: null,
          }),
        );
    });

    scope.setErrorHandler(async (err: FastifyError, request, reply) => {
      const coded = isCodedError(err);
      const status = coded ? err.status : err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      const csrfError = err.code?.startsWith("FST_CSRF_");
      const message = csrfError
        ? "This form's security token is missing or stale, so nothing was done. Reload the page and try again."
        : status < 500
          ? err.message
          : "Something went wrong on our side; the server log has the details. Reload to see what stands.";
      if (status >= 500) web.logger.error({ err }, "console request failed");
      const signedIn = request.consoleSession;
      return reply
        .status(status)
        .type(HTML)
        .send(
          errorPage({
            title: status === 404 ? "Not found" : status === 403 ? "Refused" : "That did not work",
            message,
            viewer: signedIn ? viewerOf(request, reply) : null,
            pending: signedIn ? await web.feed.pendingCount().catch(() => null) : null,
          }),
        );
    });
    scope.setNotFoundHandler(async (request, reply) =>
      reply
        .status(404)
        .type(HTML)
        .send(
          errorPage({
            title: "Not found",
            message: `There is no console page at ${request.url.split("?")[0]}.`,
            viewer: null,
            pending: null,
          }),
        ),
    );

    for (const [name, type] of Object.entries(ASSETS)) {
      const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
      scope.get(`/assets/${name}`, { config: { public: true } }, async (_request, reply) =>
        reply.type(type).send(body),
      );
    }
    scope.get("/", { config: { public: true } }, async (_request, reply) =>
      reply.redirect("/console/approvals", 302),
    );
    loginRoutes(scope, web);
    if (web.oidc) oidcRoutes(scope, oidcRouteDeps(web, web.oidc));
    queueRoutes(scope, web);
    approvalRoutes(scope, web);
    decideRoutes(scope, web);
    eventRoutes(scope, web);
  };
}
