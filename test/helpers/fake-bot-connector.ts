// A local fake of the Microsoft side of a Teams bot, on one HTTP port:
// - the Bot Framework's OpenID metadata and JWKS (a test RSA key, endorsed for msteams), so the activities a
//   test sends carry real RS256 JWTs that botbuilder verifies exactly as it verifies Microsoft's;
// - an OAuth2 client-credentials token endpoint handing the bot its outbound token;
// - the Bot Connector REST API (v3): posts, replies and updates of activities are recorded, members and a
//   team's channels are answered from small tables, and any call can be made to answer 429 with Retry-After.
// Connector calls without a token this fake issued get 401, as Teams would.
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { type FakeReply, type FakeServer, serveJson, waitForCalls } from "./fake-server.ts";

export const BOT_FRAMEWORK_ISSUER = "https://api.botframework.com";

// biome-ignore lint/suspicious/noExplicitAny: recorded activities are checked by assertions
export type Body = Record<string, any>;

export interface ConnectorCall {
  /** post: a new activity; reply: an answer to one; update: an activity replaced in place. */
  kind: "post" | "reply" | "update";
  conversationId: string;
  /** The activity id: assigned on post/reply, the updated one on update. */
  activityId: string;
  body: Body;
  status: number;
}

export interface FakeMember {
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  userPrincipalName?: string;
}

type Op = "post" | "reply" | "update";

export class FakeBotConnector {
  url = "";
  readonly appId: string;
  readonly appPassword = `pw-${randomBytes(8).toString("hex")}`;
  readonly tenantId = "72f988bf-0000-4000-8000-000000000001";
  readonly kid = `key-${randomBytes(4).toString("hex")}`;
  /** Conversations the bot is in; anything else answers 403 BotNotInConversationRoster. */
  readonly conversations = new Set<string>();
  readonly members = new Map<string, FakeMember>();
  /** team id → its channels (the General channel has no name, as in Teams). */
  readonly teams = new Map<string, { id: string; name?: string }[]>();
  readonly calls: ConnectorCall[] = [];
  tokensIssued = 0;
  private readonly privateKey: KeyObject;
  private readonly jwk: Body;
  private readonly tokens = new Set<string>();
  private readonly failures = new Map<Op, { status: number; retryAfter?: number }[]>();
  private readonly activities = new Map<string, Body>();
  private readonly events = new EventEmitter();
  private server: FakeServer | undefined;
  private seq = 0;

  constructor() {
    // A fresh app id per fake: botbuilder caches outbound tokens per app id across the whole process.
    this.appId = `00000000-0000-4000-8000-${randomBytes(6).toString("hex")}`;
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwk = publicKey.export({ format: "jwk" });
    this.events.setMaxListeners(100);
  }

  static async start(): Promise<FakeBotConnector> {
    const fake = new FakeBotConnector();
    await fake.listen();
    return fake;
  }

  /** The Bot Connector service URL activities carry (Teams' end with a slash). */
  get serviceUrl(): string {
    return `${this.url}/connector/`;
  }
  get openIdMetadataUrl(): string {
    return `${this.url}/v1/.well-known/openidconfiguration`;
  }
  get tokenUrl(): string {
    return `${this.url}/botframework.com/oauth2/v2.0/token`;
  }

  /** The env that points Countersign's Teams channel at this fake. */
  env(): Record<string, string> {
    return {
      TEAMS_APP_ID: this.appId,
      TEAMS_APP_PASSWORD: this.appPassword,
      TEAMS_APP_TENANT_ID: this.tenantId,
      TEAMS_API_URL: this.serviceUrl,
      TEAMS_OPENID_METADATA_URL: this.openIdMetadataUrl,
      TEAMS_TOKEN_URL: this.tokenUrl,
    };
  }

  /**
   * A JWT as the Bot Framework signs it for a request to the bot: RS256 with the published key, issuer
   * api.botframework.com, audience the app id, bound to the service URL. Options make it wrong on purpose.
   */
  token(
    opts: {
      serviceUrl?: string;
      audience?: string;
      expiresIn?: number;
      key?: KeyObject;
      issuer?: string;
    } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", kid: this.kid, x5t: this.kid };
    const payload = {
      serviceurl: opts.serviceUrl ?? this.serviceUrl,
      nbf: now - 5,
      exp: now + (opts.expiresIn ?? 3600),
      iss: opts.issuer ?? BOT_FRAMEWORK_ISSUER,
      aud: opts.audience ?? this.appId,
    };
    const data = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign("RSA-SHA256", Buffer.from(data), opts.key ?? this.privateKey).toString(
      "base64url",
    );
    return `${data}.${signature}`;
  }

  /** Another RSA key, for tokens that the published key does not verify. */
  static otherKey(): KeyObject {
    return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  }

  /** The next call of `op` answers with this status (queued: call again for several in a row). */
  failNext(op: Op, failure: { status: number; retryAfter?: number }): void {
    const queue = this.failures.get(op) ?? [];
    queue.push(failure);
    this.failures.set(op, queue);
  }

  /** Successful calls of a kind, optionally about one approval (its id in the body), oldest first. */
  recorded(kind: Op, about?: string): ConnectorCall[] {
    return this.calls.filter(
      (c) =>
        c.kind === kind && c.status < 300 && (about === undefined || JSON.stringify(c.body).includes(about)),
    );
  }

  /** Resolves once `count` successful calls of `kind` (about `about`) were made; rejects after `timeoutMs`. */
  waitFor(kind: Op, count: number, about?: string, timeoutMs = 10_000): Promise<ConnectorCall[]> {
    return waitForCalls(
      this.events,
      () => this.recorded(kind, about),
      count,
      timeoutMs,
      (have) => `fake Bot Connector: ${have}/${count} ${kind} calls`,
    );
  }

  /** The last card a conversation shows for an activity, after every update. */
  activity(conversationId: string, activityId: string): Body | undefined {
    return this.activities.get(`${conversationId}/${activityId}`);
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private async listen(): Promise<void> {
    this.server = await serveJson((req, raw) => this.handle(req, raw));
    this.url = this.server.url;
  }

  private handle(req: IncomingMessage, raw: string): FakeReply {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    if (req.method === "GET" && path === "/v1/.well-known/openidconfiguration") {
      return {
        status: 200,
        body: {
          issuer: BOT_FRAMEWORK_ISSUER,
          authorization_endpoint: "https://invalid.botframework.com",
          jwks_uri: `${this.url}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ["RS256"],
          token_endpoint_auth_methods_supported: ["private_key_jwt"],
        },
      };
    }
    if (req.method === "GET" && path === "/v1/.well-known/keys") {
      const key = { kty: "RSA", use: "sig", kid: this.kid, x5t: this.kid, n: this.jwk.n, e: this.jwk.e };
      return { status: 200, body: { keys: [{ ...key, endorsements: ["msteams", "webchat"] }] } };
    }
    if (req.method === "POST" && path === "/botframework.com/oauth2/v2.0/token") return this.issueToken(raw);
    if (path.startsWith("/connector/")) return this.connector(req, path.slice("/connector".length), raw);
    return { status: 404, body: { error: { code: "NotFound", message: `no route ${req.method} ${path}` } } };
  }

  private issueToken(raw: string) {
    const form = new URLSearchParams(raw);
    if (form.get("grant_type") !== "client_credentials" || form.get("client_id") !== this.appId) {
      return { status: 400, body: { error: "unauthorized_client" } };
    }
    if (form.get("client_secret") !== this.appPassword)
      return { status: 401, body: { error: "invalid_client" } };
    const token = `fake-token-${randomBytes(12).toString("hex")}`;
    this.tokens.add(token);
    this.tokensIssued++;
    return {
      status: 200,
      body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: token },
    };
  }

  private connector(req: IncomingMessage, path: string, raw: string): FakeReply {
    const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!this.tokens.has(token))
      return { status: 401, body: { message: "Authorization has been denied for this request." } };
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    // GET /v3/teams/{team}/conversations
    if (req.method === "GET" && parts[1] === "teams" && parts[3] === "conversations") {
      const channels = this.teams.get(parts[2]!);
      if (!channels) return { status: 404, body: { error: { code: "NotFound", message: "team not found" } } };
      return { status: 200, body: { conversations: channels } };
    }
    if (parts[0] !== "v3" || parts[1] !== "conversations" || !parts[2]) {
      return { status: 404, body: { error: { code: "BadSyntax", message: `no route ${path}` } } };
    }
    const conversationId = parts[2];
    // GET /v3/conversations/{id}/members/{user}
    if (req.method === "GET" && parts[3] === "members" && parts[4]) {
      if (!this.teams.has(conversationId) && !this.conversations.has(conversationId.split(";")[0]!)) {
        return { status: 404, body: { error: { code: "ConversationNotFound", message: "no conversation" } } };
      }
      const member = this.members.get(parts[4]);
      if (!member)
        return {
          status: 404,
          body: { error: { code: "MemberNotFoundInConversation", message: "no member" } },
        };
      return { status: 200, body: { ...member, tenantId: this.tenantId, userRole: "user" } };
    }
    const op: Op | undefined =
      req.method === "POST" && parts[3] === "activities"
        ? parts[4]
          ? "reply"
          : "post"
        : req.method === "PUT" && parts[3] === "activities" && parts[4]
          ? "update"
          : undefined;
    if (!op) return { status: 404, body: { error: { code: "BadSyntax", message: `no route ${path}` } } };
    const body = raw ? (JSON.parse(raw) as Body) : {};
    const failure = this.failures.get(op)?.shift();
    const record = (status: number, activityId: string) => {
      this.calls.push({ kind: op, conversationId, activityId, body, status });
      this.events.emit("call");
    };
    if (failure) {
      record(failure.status, parts[4] ?? "");
      return {
        status: failure.status,
        body: {
          error: { code: failure.status === 429 ? "Throttled" : "ServiceError", message: "fake failure" },
        },
        headers: failure.retryAfter === undefined ? {} : { "retry-after": String(failure.retryAfter) },
      };
    }
    const base = conversationId.split(";")[0]!;
    if (!this.conversations.has(base)) {
      record(403, "");
      return {
        status: 403,
        body: {
          error: {
            code: "BotNotInConversationRoster",
            message: "The bot is not part of the conversation roster.",
          },
        },
      };
    }
    if (op === "update") {
      const key = `${conversationId}/${parts[4]}`;
      if (!this.activities.has(key)) {
        record(404, parts[4]!);
        return {
          status: 404,
          body: { error: { code: "ActivityNotFoundInConversation", message: "not found" } },
        };
      }
      this.activities.set(key, body);
      record(200, parts[4]!);
      return { status: 200, body: { id: parts[4] } };
    }
    const id = `1:${Date.now()}${(++this.seq).toString().padStart(4, "0")}`;
    this.activities.set(`${conversationId}/${id}`, body);
    record(201, id);
    return { status: 201, body: { id } };
  }
}

const b64url = (text: string) => Buffer.from(text).toString("base64url");
