// Bearer-key authentication. Keys are looked up by hash and remembered for a second, so the hot path of
// an agent's calls pays one database round trip per key per second rather than one per request. A revoked
// key is refused at once on every replica: revocation NOTIFYs KEYS_CHANGED and every process drops its
// cache (also after its notification connection was lost, when it hears "*"); the one-second lifetime is
// the bound if a notification never arrives. Expiry is checked on every request, cached or not.
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Database } from "../../db/open.ts";
import type { Clock } from "../../handlers/clock.ts";
import { CodedError } from "../../handlers/errors.ts";
import {
  findKey,
  hashKey,
  KEYS_CHANGED,
  type KeyKind,
  type KeyLookup,
  LAST_USED_PRECISION_MS,
  type Principal,
  touchKey,
} from "../keys.ts";

const CACHE_MS = 1_000;

export class KeyAuthenticator {
  private readonly cache = new Map<string, { lookup: Promise<KeyLookup>; until: number }>();
  private readonly envAdminHash: Buffer | undefined;
  private unlisten: (() => void) | undefined;
  /** Others holding what a key vouched for (the console's sessions): told whenever keys change. */
  private readonly followers = new Set<() => void>();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    /** COUNTERSIGN_ADMIN_KEY, accepted without being stored. */
    envAdminKey?: string,
  ) {
    this.envAdminHash = envAdminKey ? Buffer.from(hashKey(envAdminKey), "hex") : undefined;
  }

  /** Follows revocations from every replica. */
  async start(): Promise<void> {
    this.unlisten = await this.database.listen(KEYS_CHANGED, () => this.keysChanged());
  }

  /**
   * A key was revoked, here or on another replica: forget every held key, and tell the followers. The
   * replica that revoked calls this itself once the revocation is committed, so its very next request is
   * refused without waiting for its own notification to come back.
   */
  keysChanged(): void {
    this.cache.clear();
    for (const follower of this.followers) follower();
  }

  /** Calls fn whenever keys change (see keysChanged); answers how to stop. */
  onKeysChanged(fn: () => void): () => void {
    this.followers.add(fn);
    return () => this.followers.delete(fn);
  }

  stop(): void {
    this.unlisten?.();
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (!header) throw new CodedError("unauthorized", "missing Authorization: Bearer <key> header");
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new CodedError("unauthorized", "Authorization header must be 'Bearer <key>'");
    const key = match[1]!;
    const hash = hashKey(key);
    // Compared as digests in constant time, so response timing says nothing about the key.
    if (this.envAdminHash && timingSafeEqual(Buffer.from(hash, "hex"), this.envAdminHash)) {
      return { kind: "admin", subject: "admin" };
    }
    const lookup = await this.lookup(key, hash);
    if (!lookup.ok) throw new CodedError("unauthorized", lookup.reason);
    const now = this.clock.now();
    if (lookup.expiresAt && lookup.expiresAt <= now) {
      throw new CodedError("unauthorized", `the API key expired at ${lookup.expiresAt.toISOString()}`);
    }
    return lookup.principal;
  }

  /** The key's row, read at most once a second per key; concurrent requests share one read. */
  private lookup(key: string, hash: string): Promise<KeyLookup> {
    const cached = this.cache.get(hash);
    if (cached && cached.until > Date.now()) return cached.lookup;
    const lookup = findKey(this.database.db, key, this.clock.now()).then((found) => {
      if (found.ok) this.noteUse(found);
      return found;
    });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { lookup, until: Date.now() + CACHE_MS });
    // A failed read is not remembered: the next request reads again.
    lookup.catch(() => this.cache.delete(hash));
    return lookup;
  }

  /** last_used_at, written when the stored one is more than a minute old: off the request's path. */
  private noteUse(found: Extract<KeyLookup, { ok: true }>): void {
    const now = this.clock.now();
    if (found.lastUsedAt && now.getTime() - found.lastUsedAt.getTime() < LAST_USED_PRECISION_MS) return;
    touchKey(this.database.db, found.id, now).catch(() => {});
  }

  /** Authenticates and checks the key's kind; the message says which kinds may call. */
  async require(request: FastifyRequest, ...kinds: KeyKind[]): Promise<Principal> {
    const principal = await this.authenticate(request);
    if (!kinds.includes(principal.kind)) {
      throw new CodedError(
        "forbidden",
        `an ${principal.kind} key cannot call ${request.method} ${request.routeOptions.url ?? request.url}; ` +
          `it needs ${kinds.map((k) => `an ${k}`).join(" or ")} key`,
      );
    }
    return principal;
  }
}
