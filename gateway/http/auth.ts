// Bearer-key authentication. Keys are looked up by hash and remembered briefly, so the hot path of an
// agent's allowed call does not pay a database round trip per request.
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Queryable } from "../../db/open.ts";
import { CodedError } from "../../handlers/errors.ts";
import { findKey, hashKey, type KeyKind, type Principal } from "../keys.ts";

const CACHE_MS = 30_000;

export class KeyAuthenticator {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly envAdminHash: Buffer | undefined;

  constructor(
    private readonly q: Queryable,
    /** COUNTERSIGN_ADMIN_KEY, accepted without being stored. */
    envAdminKey?: string,
  ) {
    this.envAdminHash = envAdminKey ? Buffer.from(hashKey(envAdminKey), "hex") : undefined;
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
    const cached = this.cache.get(hash);
    let principal: Principal | null;
    if (cached && cached.until > Date.now()) {
      principal = cached.principal;
    } else {
      principal = await findKey(this.q, key);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { principal, until: Date.now() + CACHE_MS });
    }
    if (!principal) throw new CodedError("unauthorized", "the API key is not valid");
    return principal;
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
