// Signing in and out. GET /console/login: how to get a link (and, with email on, a form that mails one);
// GET /console/login?token=…: the page a one-time link opens, asking before it signs in; POST
// /console/login/link: uses the link; POST /console/login: mails a link to a known operator; POST
// /console/logout: ends the session on every replica.
import type { FastifyInstance, FastifyReply } from "fastify";
import { type LinkRefusal, linkPage, linkRefusedPage, loginPage } from "../../../blocks/html/login.tsx";
import { isKnownOperator, signIn, signOut } from "../auth.ts";
import type { WebContext } from "../context.ts";
import { HTML } from "../context.ts";
import { checkSignInLink, createSignInLink, redeemSignInLink } from "../sessions.ts";

/** Only a console path of this server is a place to go after signing in. */
export function safeNext(raw: unknown): string | undefined {
  return typeof raw === "string" && /^\/console(\/[\w\-/?=&%.]*)?$/.test(raw) ? raw : undefined;
}

/** The URL a one-time link is: the console's page for it, on the public URL. */
export function signInUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/console/login?token=${encodeURIComponent(token)}`;
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export function loginRoutes(scope: FastifyInstance, web: WebContext): void {
  const { db } = web.deps.database;
  const refused = (reply: FastifyReply, reason: LinkRefusal) =>
    reply
      .status(reason === "expired" ? 410 : 400)
      .type(HTML)
      .send(linkRefusedPage(reason));

  scope.get("/login", { config: { public: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const token = str(query.token);
    const next = safeNext(query.next);
    const csrf = reply.generateCsrf();
    if (!token) {
      const notice =
        query.signed_out === "1" ? { kind: "ok" as const, text: "You are signed out." } : undefined;
      return reply
        .type(HTML)
        .send(loginPage({ csrf, canMail: !!web.mailSignInLink, oidc: !!web.oidc, notice, next }));
    }
    const link = await checkSignInLink(db, token, web.deps.clock.now());
    if (!link.ok) return refused(reply, link.reason);
    return reply.type(HTML).send(linkPage({ csrf, email: link.email, token, next }));
  });

  scope.post("/login/link", { config: { public: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const redeemed = await redeemSignInLink(db, str(body.token) ?? "", web.deps.clock.now());
    if (!redeemed.ok) return refused(reply, redeemed.reason);
    if (!(await isKnownOperator(web, redeemed.email))) return refused(reply, "not_operator");
    await signIn(web, reply, redeemed.email, "link");
    return reply.redirect(safeNext(body.next) ?? "/console/approvals", 303);
  });

  scope.post("/login", { config: { public: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const email = (str(body.email) ?? "").trim().toLowerCase();
    const csrf = reply.generateCsrf();
    const page = (status: number, kind: "ok" | "error", text: string) =>
      reply
        .status(status)
        .type(HTML)
        .send(
          loginPage({
            csrf,
            canMail: !!web.mailSignInLink,
            oidc: !!web.oidc,
            notice: { kind, text },
            next: safeNext(body.next),
          }),
        );
    if (!web.mailSignInLink)
      return page(400, "error", "Email is off on this server: ask an admin for a link.");
    if (!/^[^\s@]+@[^\s@]+$/.test(email))
      return page(400, "error", "Give your email address, like ana@example.com.");
    // The same answer whether or not the person is known, so the form tells nobody who the operators are.
    if (await isKnownOperator(web, email)) {
      const link = await createSignInLink(db, email, web.deps.clock.now());
      const url =
        signInUrl(web.publicUrl, link.token) +
        (safeNext(body.next) ? `&next=${encodeURIComponent(safeNext(body.next)!)}` : "");
      await web
        .mailSignInLink(email, url)
        .catch((err) => web.logger.warn({ err }, "sign-in link not mailed"));
    }
    return page(
      200,
      "ok",
      `If ${email} is an operator here, a sign-in link is on its way. It is valid for 15 minutes.`,
    );
  });

  scope.post("/logout", { config: { public: true } }, async (request, reply) => {
    await signOut(web, request, reply);
    return reply.redirect("/console/login?signed_out=1", 303);
  });
}
