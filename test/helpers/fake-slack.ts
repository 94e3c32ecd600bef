// A local fake of the Slack Web API, answering with Slack's real response shapes. It records every call,
// can fail the next call of a method on demand (429 with Retry-After, or ok:false with an error code),
// and serves response_url posts. Channels and users are small in-memory tables a test can extend.
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import { type FakeReply, type FakeServer, serveJson, waitForCalls } from "./fake-server.ts";

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot is in the channel; posting to a private channel without it is not_in_channel. */
  isMember?: boolean;
}

export interface FakeUser {
  id: string;
  email?: string;
  name?: string;
  /** The user's home workspace; another than the app's (T0FAKE) is a Slack Connect guest. */
  teamId?: string;
}

/** What the next call of a method answers instead of its normal reply. */
export type FakeFailure = { status: 429; retryAfter: number } | { ok: false; error: string; status?: number };

// biome-ignore lint/suspicious/noExplicitAny: recorded Slack bodies are checked by assertions
export type Body = Record<string, any>;

export interface RecordedCall {
  method: string;
  body: Body;
  ok: boolean;
  /** What the fake answered. */
  reply: Body;
  /** performance.now() when the request arrived. */
  at: number;
}

export const DEFAULT_CHANNELS: FakeChannel[] = [
  { id: "C0BILLING01", name: "billing-approvals" },
  { id: "C0PAYMENTS1", name: "payments-approvals" },
  { id: "C0SREONCALL", name: "sre-oncall" },
  { id: "C0PRIVATE01", name: "private-finance", isPrivate: true, isMember: false },
];

export const DEFAULT_USERS: FakeUser[] = [
  { id: "U0ANA00001", email: "ana@example.com", name: "ana" },
  { id: "U0BEN00002", email: "ben@example.com", name: "ben" },
  { id: "U0SAM00003", email: "sam@example.com", name: "sam" },
  { id: "U0EVE00004", email: "eve@example.com", name: "eve" },
];

const JSON_FIELDS = new Set(["blocks", "view", "attachments", "metadata"]);
const BOT = { userId: "U0COUNTERS", botId: "B0COUNTERS" };

export class FakeSlack {
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  /** conversations.list answers at most this many per page, so paging is always exercised. */
  pageSize = 2;
  private readonly recorded: RecordedCall[] = [];
  private readonly failures = new Map<string, FakeFailure[]>();
  private readonly delays = new Map<string, number[]>();
  private readonly messages = new Map<string, Body>();
  private readonly events = new EventEmitter();
  private server: FakeServer | undefined;
  private seq = 0;
  url = "";

  constructor(opts: { channels?: FakeChannel[]; users?: FakeUser[] } = {}) {
    for (const c of opts.channels ?? DEFAULT_CHANNELS) this.channels.set(c.id, c);
    for (const u of opts.users ?? DEFAULT_USERS) this.users.set(u.id, u);
    this.events.setMaxListeners(100);
  }

  static async start(opts?: ConstructorParameters<typeof FakeSlack>[0]): Promise<FakeSlack> {
    const fake = new FakeSlack(opts);
    await fake.listen();
    return fake;
  }

  /** Bodies of the successful calls of `method`, oldest first (response_url posts are "response_url"). */
  calls(method: string): Body[] {
    return this.recorded.filter((c) => c.method === method && c.ok).map((c) => c.body);
  }

  /** Every call, failed ones included, with arrival times. */
  records(method?: string): RecordedCall[] {
    return this.recorded.filter((c) => method === undefined || c.method === method);
  }

  /** The next call of `method` answers `response` (queued: call again to fail several in a row). */
  failNext(method: string, response: FakeFailure): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(response);
    this.failures.set(method, queue);
  }

  /** The next call of `method` is answered (and recorded) only after `ms` milliseconds. */
  slowNext(method: string, ms: number): void {
    const queue = this.delays.get(method) ?? [];
    queue.push(ms);
    this.delays.set(method, queue);
  }

  /** Resolves once `count` successful calls of `method` match `filter`; rejects after `timeoutMs`. */
  waitFor(method: string, count: number, filter: (b: Body) => boolean = () => true, timeoutMs = 10_000) {
    return waitForCalls(
      this.events,
      () => this.calls(method).filter(filter),
      count,
      timeoutMs,
      (have) => `fake Slack: ${have}/${count} ${method} calls`,
    );
  }

  /** A response_url pointing at this fake (posts to it are recorded as "response_url"). */
  responseUrl(tag = "r"): string {
    return this.url.replace(/api\/$/, `respond/${tag}`);
  }

  clear(): void {
    this.recorded.length = 0;
    this.failures.clear();
    this.delays.clear();
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private async listen(): Promise<void> {
    this.server = await serveJson((req, raw) => this.handle(req, raw));
    this.url = `${this.server.url}/api/`;
  }

  private handle(req: IncomingMessage, raw: string): FakeReply | Promise<FakeReply> {
    const method = new URL(req.url ?? "/", "http://fake").pathname.replace(/^\/api\//, "");
    const delay = this.delays.get(method)?.shift();
    if (delay === undefined) return this.handleNow(req, raw);
    return new Promise((resolve) => setTimeout(() => resolve(this.handleNow(req, raw)), delay));
  }

  private handleNow(req: IncomingMessage, raw: string): FakeReply & { body: Body } {
    const url = new URL(req.url ?? "/", "http://fake");
    const body = parseBody(raw, String(req.headers["content-type"] ?? ""));
    if (url.pathname.startsWith("/respond/"))
      return this.finish("response_url", body, { status: 200, body: { ok: true } });
    const method = url.pathname.replace(/^\/api\//, "");
    const token = String(req.headers.authorization ?? "").replace(/^Bearer /, "") || body.token;
    if (!token) return this.finish(method, body, { status: 200, body: { ok: false, error: "not_authed" } });
    const failure = this.failures.get(method)?.shift();
    if (failure) {
      if ("retryAfter" in failure) {
        return this.finish(method, body, {
          status: 429,
          body: { ok: false, error: "ratelimited" },
          headers: { "retry-after": String(failure.retryAfter) },
        });
      }
      return this.finish(method, body, {
        status: failure.status ?? 200,
        body: { ok: false, error: failure.error },
      });
    }
    return this.finish(method, body, { status: 200, body: this.answer(method, body) });
  }

  private finish(method: string, body: Body, reply: FakeReply & { body: Body }) {
    this.recorded.push({
      method,
      body,
      reply: reply.body,
      ok: reply.status === 200 && reply.body.ok === true,
      at: performance.now(),
    });
    this.events.emit("call");
    return reply;
  }

  private answer(method: string, b: Body): Body {
    switch (method) {
      case "auth.test":
        return {
          ok: true,
          url: "https://fake.slack.test/",
          team: "Fake",
          user: "countersign",
          team_id: "T0FAKE",
          user_id: BOT.userId,
          bot_id: BOT.botId,
        };
      case "conversations.list":
        return this.conversationsList(b);
      case "chat.postMessage":
        return this.postMessage(b);
      case "chat.update": {
        const key = `${b.channel}/${b.ts}`;
        if (!this.messages.has(key)) return { ok: false, error: "message_not_found" };
        const message = { ...this.messages.get(key), text: b.text, blocks: b.blocks ?? [] };
        this.messages.set(key, message);
        return { ok: true, channel: b.channel, ts: b.ts, text: b.text, message };
      }
      case "chat.postEphemeral":
        if (!b.channel || !b.user) return { ok: false, error: "invalid_arguments" };
        return { ok: true, message_ts: this.nextTs() };
      case "views.open": {
        if (!b.trigger_id) return { ok: false, error: "invalid_arguments" };
        if (!b.view) return { ok: false, error: "invalid_arguments" };
        const id = `V0${(++this.seq).toString().padStart(8, "0")}`;
        return {
          ok: true,
          view: {
            id,
            team_id: "T0FAKE",
            ...b.view,
            state: { values: {} },
            hash: `h${this.seq}`,
            root_view_id: id,
            app_id: "A0FAKE",
            bot_id: BOT.botId,
          },
        };
      }
      case "users.info": {
        const u = this.users.get(b.user);
        if (!u) return { ok: false, error: "user_not_found" };
        const profile = {
          real_name: u.name ?? u.id,
          display_name: u.name ?? "",
          ...(u.email ? { email: u.email } : {}),
        };
        return {
          ok: true,
          user: {
            id: u.id,
            team_id: u.teamId ?? "T0FAKE",
            name: u.name ?? u.id,
            real_name: profile.real_name,
            deleted: false,
            is_bot: false,
            profile,
          },
        };
      }
      case "usergroups.users.list": {
        const users = this.usergroups.get(b.usergroup);
        return users ? { ok: true, users } : { ok: false, error: "no_such_subteam" };
      }
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  private conversationsList(b: Body): Body {
    const all = [...this.channels.values()].filter((c) =>
      String(b.types ?? "public_channel")
        .split(",")
        .includes(c.isPrivate ? "private_channel" : "public_channel"),
    );
    const start = b.cursor ? Number(Buffer.from(String(b.cursor), "base64").toString()) : 0;
    const size = Math.min(Number(b.limit ?? 100), this.pageSize);
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(String(start + size)).toString("base64") : "";
    return {
      ok: true,
      channels: page.map((c) => ({
        id: c.id,
        name: c.name,
        is_channel: !c.isPrivate,
        is_group: false,
        is_private: !!c.isPrivate,
        is_archived: false,
        is_member: c.isMember ?? false,
      })),
      response_metadata: { next_cursor: next },
    };
  }

  private postMessage(b: Body): Body {
    // A user id posts to the app's direct message with that user.
    const dm: FakeChannel | undefined = this.users.has(b.channel)
      ? { id: `D${b.channel.slice(1)}`, name: b.channel }
      : undefined;
    const channel = dm ?? this.channels.get(b.channel);
    if (!channel) return { ok: false, error: "channel_not_found" };
    if (channel.isPrivate && !channel.isMember) return { ok: false, error: "not_in_channel" };
    if (!b.text && !b.blocks) return { ok: false, error: "no_text" };
    const ts = this.nextTs();
    const message = {
      type: "message",
      user: BOT.userId,
      bot_id: BOT.botId,
      text: b.text,
      blocks: b.blocks ?? [],
      ts,
    };
    this.messages.set(`${channel.id}/${ts}`, message);
    return { ok: true, channel: channel.id, ts, message };
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${(++this.seq).toString().padStart(6, "0")}`;
  }
}

/** Slack takes form fields (with JSON-encoded blocks and views) or JSON; both come out as one object. */
function parseBody(raw: string, contentType: string): Body {
  if (contentType.includes("application/json")) return raw ? JSON.parse(raw) : {};
  const body: Body = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    body[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : v;
  }
  return body;
}
