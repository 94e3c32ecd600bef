// API keys: random, shown once, stored as SHA-256. A key is bound to an agent, an operator (a person's
// email) or is an admin key; it may expire, and an admin may revoke it. Revocation NOTIFYs every replica
// (KEYS_CHANGED), so none keeps accepting the key from its authentication cache.
import { randomBytes, randomUUID } from "node:crypto";
import { and, desc, eq, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import { notifyChanged } from "../db/notify.ts";
import type { Queryable, Tx } from "../db/open.ts";
import { apiKeys } from "../db/schema.ts";
import { CodedError } from "../handlers/errors.ts";
import { sha256Hex } from "../handlers/sha256.ts";
import type { ApiKey, ApiKeyPage } from "../sdk/types.ts";

export type KeyKind = "agent" | "operator" | "admin";

export interface Principal {
  kind: KeyKind;
  /** Agent name, operator email, or "admin". */
  subject: string;
}

/** A key was revoked: every replica drops what its authentication cache holds. Payload: the key's id. */
export const KEYS_CHANGED = "countersign_keys_changed";

/** last_used_at is kept to this precision: a key in use costs one write a minute, not one a request. */
export const LAST_USED_PRECISION_MS = 60_000;

const PREFIX: Record<KeyKind, string> = { agent: "csk_agent_", operator: "csk_op_", admin: "csk_admin_" };

type KeyRow = typeof apiKeys.$inferSelect;

export const hashKey: (key: string) => string = sha256Hex;

export function generateKey(kind: KeyKind): string {
  return PREFIX[kind] + randomBytes(24).toString("base64url");
}

/** Mints a key; answers it (shown this once) with the id it is listed and revoked by. */
export async function issueKey(
  q: Queryable,
  principal: Principal,
  at: { createdAt?: Date; expiresAt?: Date | null } = {},
): Promise<{ id: string; key: string }> {
  const key = generateKey(principal.kind);
  const id = randomUUID();
  await q.insert(apiKeys).values({
    id,
    kind: principal.kind,
    subject: principal.subject,
    keyHash: hashKey(key),
    expiresAt: at.expiresAt ?? null,
    ...(at.createdAt && { createdAt: at.createdAt }),
  });
  return { id, key };
}

/** Mints a key that never expires and answers the key alone (tests, the demo, the admin key). */
export async function createKey(q: Queryable, principal: Principal): Promise<string> {
  return (await issueKey(q, principal)).key;
}

/** What the key's row says: who it is, and whether it may still be used. */
export type KeyLookup =
  | { ok: true; id: string; principal: Principal; expiresAt: Date | null; lastUsedAt: Date | null }
  | { ok: false; reason: string };

export async function findKey(q: Queryable, key: string, now: Date): Promise<KeyLookup> {
  const [row] = await q
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashKey(key)))
    .limit(1);
  if (!row) return { ok: false, reason: "the API key is not valid" };
  if (row.revokedAt)
    return { ok: false, reason: `the API key was revoked at ${row.revokedAt.toISOString()}` };
  if (row.expiresAt && row.expiresAt <= now) {
    return { ok: false, reason: `the API key expired at ${row.expiresAt.toISOString()}` };
  }
  return {
    ok: true,
    id: row.id,
    principal: { kind: row.kind, subject: row.subject },
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Records that the key was used, unless that was already recorded within the last minute. */
export async function touchKey(q: Queryable, id: string, now: Date): Promise<void> {
  const stale = new Date(now.getTime() - LAST_USED_PRECISION_MS);
  await q
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, stale))));
}

/**
 * Revokes the key in the caller's transaction and tells every replica. Answers the key as it now stands
 * (revoked: true when this call revoked it, false when it already was), or null for an unknown id.
 */
export async function revokeKey(
  tx: Tx,
  id: string,
  now: Date,
): Promise<{ key: ApiKey; revoked: boolean } | null> {
  const [revoked] = await tx
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (revoked) {
    await notifyChanged(tx, KEYS_CHANGED, [id]);
    return { key: presentKey(revoked, now), revoked: true };
  }
  const [existing] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return existing ? { key: presentKey(existing, now), revoked: false } : null;
}

interface KeyCursor {
  createdAt: Date;
  id: string;
}

/** Reads a cursor listKeys handed out; anything else is a 400. */
export function decodeKeyCursor(raw: string): KeyCursor {
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (typeof c.c === "string" && typeof c.id === "string" && !Number.isNaN(Date.parse(c.c))) {
      return { createdAt: new Date(c.c), id: c.id };
    }
  } catch {}
  throw new CodedError("bad_request", "cursor is not one this server handed out");
}

/** One page of keys, newest first; revoked and expired ones only with `all`. */
export async function listKeys(
  q: Queryable,
  opts: { all: boolean; limit: number; cursor?: KeyCursor | undefined; now: Date },
): Promise<ApiKeyPage> {
  const where: (SQL | undefined)[] = [];
  if (!opts.all) {
    where.push(isNull(apiKeys.revokedAt));
    where.push(or(isNull(apiKeys.expiresAt), sql`${apiKeys.expiresAt} > ${opts.now}`));
  }
  if (opts.cursor) {
    const { createdAt, id } = opts.cursor;
    where.push(
      or(lt(apiKeys.createdAt, createdAt), and(eq(apiKeys.createdAt, createdAt), lt(apiKeys.id, id))),
    );
  }
  const rows = await q
    .select()
    .from(apiKeys)
    .where(and(...where))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => presentKey(r, opts.now)),
    nextCursor:
      rows.length > opts.limit && last
        ? Buffer.from(JSON.stringify({ c: last.createdAt.toISOString(), id: last.id })).toString("base64url")
        : null,
  };
}

/** A key as GET /v1/keys shows it: never the key, nor its hash. */
export function presentKey(r: KeyRow, now: Date): ApiKey {
  return {
    id: r.id,
    kind: r.kind,
    agent: r.kind === "agent" ? r.subject : null,
    operator: r.kind === "operator" ? r.subject : null,
    status: r.revokedAt ? "revoked" : r.expiresAt && r.expiresAt <= now ? "expired" : "active",
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    expiresAt: r.expiresAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

/** Whether an admin key that can still be used is stored (a revoked one does not count). */
export async function hasAdminKey(q: Queryable): Promise<boolean> {
  const [row] = await q
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.kind, "admin"), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row !== undefined;
}

/**
 * Whether this person holds an operator key that can still be used: what makes them known to the web
 * console, whose sessions act with exactly that key's rights (revoke the key and the console refuses too).
 */
export async function hasOperatorKey(q: Queryable, email: string, now: Date): Promise<boolean> {
  return (await operatorKeyUsableUntil(q, email, now)) !== undefined;
}

/**
 * Until when this person holds a usable operator key: the latest expiry among their keys, null when one
 * never expires, undefined when they hold none (the console's session cache keeps this, not a yes/no, so
 * a key expiring is honoured to the moment).
 */
export async function operatorKeyUsableUntil(
  q: Queryable,
  email: string,
  now: Date,
): Promise<Date | null | undefined> {
  const [row] = await q
    .select({ expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.kind, "operator"),
        eq(apiKeys.subject, email.toLowerCase()),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), sql`${apiKeys.expiresAt} > ${now}`),
      ),
    )
    .orderBy(sql`${apiKeys.expiresAt} DESC NULLS FIRST`)
    .limit(1);
  return row ? row.expiresAt : undefined;
}
