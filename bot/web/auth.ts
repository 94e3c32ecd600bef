// Who is signed in to the console: the session cookie, read against the database at most once a second
// (session-cache.ts; a sign-out on any replica still holds at once), and the operator key behind it (revoke
// the key and the console refuses as the API would). The one place a session is started or ended for a
// browser.
import type { FastifyReply, FastifyRequest } from "fastify";
import { hasOperatorKey, operatorKeyUsableUntil } from "../../gateway/keys.ts";
import { isNamedInResources } from "../../model/operators.ts";
import type { WebContext } from "./context.ts";
import type { KnownSession } from "./session-cache.ts";
import {
  type ConsoleSession,
  createSession,
  endSession,
  findSession,
  type SignInMethod,
  sessionId,
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
  const now = web.deps.clock.now();
  const known = await web.sessions.lookup(sessionId(token), () => readSession(web, token, now));
  if (!known) return null;
  // Held or not, a session and the key behind it end on the dot.
  if (known.session.expiresAt <= now || (known.knownUntil && known.knownUntil <= now)) return null;
  return known.session;
}

/** The session from the database, and until when its person is known; null if either is not so now. */
async function readSession(web: WebContext, token: string, now: Date): Promise<KnownSession | null> {
  const { db } = web.deps.database;
  const session = await findSession(db, token, now);
  if (!session) return null;
  // A link is made only for an operator key; the OpenID Connect provider vouches for anyone the resources
  // name. Either way the person must still be known on this request.
  if (session.method === "oidc" && isNamedInResources(session.email, web.deps.resources())) {
    return { session, knownUntil: null };
  }
  const keyUntil = await operatorKeyUsableUntil(db, session.email, now);
  return keyUntil === undefined ? null : { session, knownUntil: keyUntil };
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
  if (token) {
    await endSession(web.deps.database.db, token, web.deps.clock.now());
    // Here at once; other replicas drop it when SESSION_ENDED reaches them.
    web.sessions.drop(sessionId(token));
  }
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
