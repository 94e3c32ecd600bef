// Who is signed in to the console: the session cookie, read against the database on every request (so a
// sign-out on any replica holds at once), and the operator key behind it (revoke the key and the console
// refuses as the API would). The one place a session is started or ended for a browser.
import type { FastifyReply, FastifyRequest } from "fastify";
import { hasOperatorKey } from "../../gateway/keys.ts";
import { isNamedInResources } from "../../model/operators.ts";
import type { WebContext } from "./context.ts";
import {
  type ConsoleSession,
  createSession,
  endSession,
  findSession,
  type SignInMethod,
} from "./sessions.ts";

export const SESSION_COOKIE = "countersign_session";

function cookieOptions(web: WebContext, expires?: Date) {
  return {
    path: "/console",
    httpOnly: true,
    // Lax: the cookie goes along when a person follows a card's "Full record" link from Slack or mail.
    sameSite: "lax" as const,
    secure: web.secureCookies,
    ...(expires && { expires }),
  };
}

/** The signed-in person, or null: no cookie, an ended or expired session, or no operator key any more. */
export async function currentSession(
  web: WebContext,
  request: FastifyRequest,
): Promise<ConsoleSession | null> {
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  const { db } = web.deps.database;
  const now = web.deps.clock.now();
  const session = await findSession(db, token, now);
  if (!session) return null;
  // A link is made only for an operator key; the OpenID Connect provider vouches for anyone the resources
  // name. Either way the person must still be known on this request.
  const known =
    session.method === "oidc"
      ? await isKnownPerson(web, session.email)
      : await hasOperatorKey(db, session.email, now);
  return known ? session : null;
}

/**
 * Signs a person in: a new session in the database and its cookie on the reply. The caller has checked
 * who they are (a one-time link, an OpenID Connect provider) and that they are a known operator.
 */
export async function signIn(
  web: WebContext,
  reply: FastifyReply,
  email: string,
  method: SignInMethod,
): Promise<void> {
  const { token, expiresAt } = await createSession(web.deps.database.db, email, method, web.deps.clock.now());
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(web, expiresAt));
}

/** Ends the session (for every replica) and clears the cookie. */
export async function signOut(web: WebContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = request.cookies[SESSION_COOKIE];
  if (token) await endSession(web.deps.database.db, token, web.deps.clock.now());
  reply.clearCookie(SESSION_COOKIE, cookieOptions(web));
}

/**
 * Whether the OpenID Connect provider's person may sign in: one the resources name (a Team or Role member,
 * a user: approver or escalation), or one holding a usable operator key.
 */
export async function isKnownPerson(web: WebContext, email: string): Promise<boolean> {
  return isNamedInResources(email, web.deps.resources()) || (await isKnownOperator(web, email));
}

/** Whether this email may sign in: a person holding a usable operator key. */
export function isKnownOperator(web: WebContext, email: string): Promise<boolean> {
  return hasOperatorKey(web.deps.database.db, email, web.deps.clock.now());
}
