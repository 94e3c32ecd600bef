// Console sign-in state in the database, so every replica honours it: sessions (a random token in an
// HttpOnly cookie) and one-time sign-in links. Both are stored as the token's SHA-256, never the token.
// A session is held for a second at most (session-cache.ts); signing out on one replica ends it on all of
// them at once.
import { randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import { notify, type Queryable } from "../../db/open.ts";
import { consoleLinks, consoleSessions } from "../../db/schema.ts";
import { sha256Hex } from "../../handlers/sha256.ts";

/** A session lasts a working day; signing in again is one click on a link or the OIDC provider. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A one-time sign-in link is good for 15 minutes (CONTRACT §7). */
export const LINK_TTL_MS = 15 * 60 * 1000;

export type SignInMethod = "link" | "oidc";

/** A session ended: every replica closes the event streams it holds for it. Payload: its sessionId. */
export const SESSION_ENDED = "countersign_console_session_ended";

export interface ConsoleSession {
  /** The token's hash: names the session (in NOTIFYs, to the feed) without being the credential. */
  id: string;
  email: string;
  method: SignInMethod;
  expiresAt: Date;
}

const hash = sha256Hex;

/** The id a session is known by (the token's hash): in NOTIFYs, the feed and the session cache. */
export const sessionId = hash;
const newToken = () => randomBytes(32).toString("base64url");

/** Starts a session for a person already known to be an operator; answers the cookie's token. */
export async function createSession(
  q: Queryable,
  email: string,
  method: SignInMethod,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await q.insert(consoleSessions).values({
    tokenHash: hash(token),
    email: email.toLowerCase(),
    method,
    createdAt: now,
    expiresAt,
  });
  return { token, expiresAt };
}

/** The live session this token opens, or null (unknown, signed out, or expired). */
export async function findSession(q: Queryable, token: string, now: Date): Promise<ConsoleSession | null> {
  const [row] = await q
    .select({
      email: consoleSessions.email,
      method: consoleSessions.method,
      expiresAt: consoleSessions.expiresAt,
    })
    .from(consoleSessions)
    .where(
      and(
        eq(consoleSessions.tokenHash, hash(token)),
        isNull(consoleSessions.endedAt),
        gt(consoleSessions.expiresAt, now),
      ),
    )
    .limit(1);
  if (!row) return null;
  return { id: hash(token), email: row.email, method: row.method as SignInMethod, expiresAt: row.expiresAt };
}

/** Signs out: the session ends for every replica at once, and their open event streams with it. */
export async function endSession(q: Queryable, token: string, now: Date): Promise<void> {
  await q
    .update(consoleSessions)
    .set({ endedAt: now })
    .where(and(eq(consoleSessions.tokenHash, hash(token)), isNull(consoleSessions.endedAt)));
  await notify(q, SESSION_ENDED, hash(token));
}

/** Mints a one-time sign-in link's token for a known operator. */
export async function createSignInLink(
  q: Queryable,
  email: string,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  await q
    .insert(consoleLinks)
    .values({ tokenHash: hash(token), email: email.toLowerCase(), createdAt: now, expiresAt });
  return { token, expiresAt };
}

export type Redeemed = { ok: true; email: string } | { ok: false; reason: "unknown" | "used" | "expired" };

/**
 * Uses a sign-in link, once: a conditional UPDATE, so two clicks racing (or two replicas) cannot both
 * sign in with it. A link that cannot be used says why.
 */
export async function redeemSignInLink(q: Queryable, token: string, now: Date): Promise<Redeemed> {
  const [used] = await q
    .update(consoleLinks)
    .set({ usedAt: now })
    .where(
      and(
        eq(consoleLinks.tokenHash, hash(token)),
        isNull(consoleLinks.usedAt),
        gt(consoleLinks.expiresAt, now),
      ),
    )
    .returning({ email: consoleLinks.email });
  if (used) return { ok: true, email: used.email };
  const [row] = await q
    .select()
    .from(consoleLinks)
    .where(eq(consoleLinks.tokenHash, hash(token)))
    .limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  return { ok: false, reason: row.usedAt ? "used" : "expired" };
}

/** What redeeming the link would answer, without using it: the page a link opens asks before it signs in. */
export async function checkSignInLink(q: Queryable, token: string, now: Date): Promise<Redeemed> {
  const [row] = await q
    .select()
    .from(consoleLinks)
    .where(eq(consoleLinks.tokenHash, hash(token)))
    .limit(1);
  if (!row) return { ok: false, reason: "unknown" };
  if (row.usedAt) return { ok: false, reason: "used" };
  if (row.expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, email: row.email };
}
