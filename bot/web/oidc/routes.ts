// GET /console/login/oidc: sends the browser to the OpenID Connect provider; GET
// /console/login/oidc/callback: where the provider sends it back. What must survive the round trip (state,
// nonce, PKCE verifier) rides in a short-lived HttpOnly cookie scoped to these two paths, so any replica
// can finish a sign-in another started. The verified email must be a person the resources name; then a
// database session starts like any other (bot/web/auth.ts). Every refusal is a page saying why, with no
// session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SignInRefused } from "./refused.ts";
import type { OidcSignIn, PendingSignIn } from "./sign-in.ts";

export const OIDC_LOGIN_PATH = "/console/login/oidc";
export const OIDC_CALLBACK_PATH = "/console/login/oidc/callback";
const PENDING_COOKIE = "countersign_oidc";
/** Long enough to type a password and pass a second factor at the provider. */
const PENDING_MAX_AGE_SECONDS = 10 * 60;

export interface OidcRouteDeps {
  oidc: OidcSignIn;
  /** COUNTERSIGN_PUBLIC_URL: the callback URL is rebuilt on it, as registered with the provider. */
  publicUrl: string;
  secureCookies: boolean;
  /** Whether this person (lowercased email) may use the console at all. */
  isKnownPerson(email: string): Promise<boolean>;
  /** Starts the database session and sets its cookie. */
  signIn(reply: FastifyReply, email: string): Promise<void>;
  /** The page telling the person why they were not signed in. */
  refusedPage(refusal: SignInRefused): string;
  /** Where a signed-in person lands, unless the sign-in began with a safe `next`. */
  landing: string;
  /** A console path to return to after signing in, or undefined when `raw` is not one. */
  safeNext(raw: unknown): string | undefined;
}

interface PendingCookie extends PendingSignIn {
  next?: string | undefined;
}

/** Registered inside the console's scope (prefix /console), which parses cookies and sets the CSP. */
export function oidcRoutes(scope: FastifyInstance, d: OidcRouteDeps): void {
  const cookieOptions = {
    path: OIDC_LOGIN_PATH,
    httpOnly: true,
    // Lax: the provider's redirect back is a top-level GET from another site, which must carry it.
    sameSite: "lax" as const,
    secure: d.secureCookies,
  };
  const refuse = (reply: FastifyReply, refusal: SignInRefused) =>
    reply
      .status(refusal.status)
      .clearCookie(PENDING_COOKIE, cookieOptions)
      .type("text/html")
      .send(d.refusedPage(refusal));

  scope.get("/login/oidc", { config: { public: true } }, async (request, reply) => {
    let started: Awaited<ReturnType<OidcSignIn["startSignIn"]>>;
    try {
      started = await d.oidc.startSignIn();
    } catch (err) {
      if (err instanceof SignInRefused) return refuse(reply, err);
      throw err;
    }
    const next = d.safeNext((request.query as Record<string, unknown>).next);
    const pending: PendingCookie = { ...started.pending, ...(next && { next }) };
    reply.setCookie(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString("base64url"), {
      ...cookieOptions,
      maxAge: PENDING_MAX_AGE_SECONDS,
    });
    return reply.redirect(started.url.href, 303);
  });

  scope.get("/login/oidc/callback", { config: { public: true } }, async (request, reply) => {
    const pending = readPending(request);
    const callbackUrl = new URL(request.url, `${d.publicUrl}/`);
    let email: string;
    try {
      email = await d.oidc.finishSignIn(callbackUrl, pending);
      if (!(await d.isKnownPerson(email))) {
        throw new SignInRefused(
          "unknown_operator",
          `${email} is not a person Countersign knows: no Team, Role or approval routing in the resources names this email, and it has no operator key. Ask an admin to add you (to a Team, say), then sign in again.`,
          email,
        );
      }
    } catch (err) {
      if (err instanceof SignInRefused) {
        request.log.info({ reason: err.reason, email: err.email }, "console sign-in refused");
        return refuse(reply, err);
      }
      throw err;
    }
    await d.signIn(reply, email);
    reply.clearCookie(PENDING_COOKIE, cookieOptions);
    // The cookie came back from the browser: its `next` is checked again, not trusted.
    return reply.redirect(d.safeNext(pending?.next) ?? d.landing, 303);
  });
}

/** The cookie as this server wrote it, or undefined (absent, expired, or not ours). */
function readPending(request: FastifyRequest): PendingCookie | undefined {
  const raw = request.cookies[PENDING_COOKIE];
  if (!raw) return undefined;
  try {
    const p = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    const strings = [p.state, p.nonce, p.codeVerifier].every((v) => typeof v === "string" && v !== "");
    if (!strings) return undefined;
    return {
      state: p.state,
      nonce: p.nonce,
      codeVerifier: p.codeVerifier,
      next: typeof p.next === "string" ? p.next : undefined,
    };
  } catch {
    return undefined;
  }
}
