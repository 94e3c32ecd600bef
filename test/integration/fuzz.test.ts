// Property-based requests (fast-check) against every way in: each /v1 route in Fastify's route table,
// signed Slack slash commands and interactivity, signed Teams activities at /api/messages, and the email
// confirm page. Bodies are valid requests with one field made hostile (wrong type, huge, deep, NUL, lone
// surrogates, unicode), arbitrary JSON, or text that is not JSON at all. Whatever arrives: never a 5xx;
// /v1 answers conform to GET /openapi.json (refusals in the error shape); a refused request changes no
// table; and the audit log (chain and checkpoints) still verifies at the end. Bounded in time (about
// 40 s in all); the figures per target are printed for the closing note.
import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, VIEW } from "../../blocks/slack.ts";
import { LinkSigner } from "../../bot/email/links.ts";
import { queryRows } from "../../db/open.ts";
import { routeTable } from "../../gateway/http/route-table.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { FakeBotConnector } from "../helpers/fake-bot-connector.ts";
import { FakeSlack } from "../helpers/fake-slack.ts";
import { type Conformance, conformance } from "../helpers/openapi-conformance.ts";
import { seedApproval } from "../helpers/seed.ts";
import {
  blockActionsPayload,
  formPayload,
  SIGNING_SECRET,
  SlackSender,
  slashCommandBody,
  USERS,
  viewSubmissionPayload,
} from "../helpers/slack-request.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";
import {
  BILLING_CHANNEL,
  invokeActivity,
  messageActivity,
  TEAMS_USERS,
  TeamsSender,
} from "../helpers/teams-request.ts";

/** Time each target may take; fast-check stops starting new runs past it. */
const BUDGET_MS = { v1: 20_000, slack: 6_000, teams: 6_000, email: 6_000 };
const TABLES = ["approvals", "decisions", "sign_offs", "tool_calls", "api_keys", "audit_events"] as const;

// --- Hostile values ----------------------------------------------------------------------------------

const LONE_SURROGATES = ["\ud83d", "ab\udc00", "\udfff\ud800"];
const deep = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { k: v } : [v];
  return v;
};
/** A value to put where a field goes. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(...LONE_SURROGATES),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom("\u202e\u0007\u001b[2K", "💸".repeat(50), "x".repeat(70_000), "", " "),
  fc.integer({ min: 1, max: 3_000 }).map((d) => deep(d)),
  fc.constantFrom(null, true, -1, 0, 1e308, -0.5, [], {}, Number.MAX_SAFE_INTEGER),
);
/** A hostile value where text goes: itself when a string, its JSON otherwise. */
const asText = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
/** Raw text for a body that is not (quite) JSON. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("{", "[1,", '{"a":}', "nul\u0000l", '{"tool":"\\ud83d"}', '"\\u0000"', "1e99999", ""),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
  fc.integer({ min: 1, max: 20_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
  fc.constant(`{"x":"${"y".repeat(1_100_000)}"}`),
);

/** A valid body with one field replaced, removed, or joined by an unknown one; or any JSON at all. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: hostileValue })
      .map(({ key, value }) => ({ ...valid, [key]: value })),
    fc.constantFrom(...keys).map((key) => {
      const { [key]: _gone, ...rest } = valid;
      return rest;
    }),
    fc
      .record({ key: fc.string({ unit: "binary", maxLength: 10 }), value: hostileValue })
      .map(({ key, value }) => ({
        ...valid,
        [key]: value,
      })),
    hostileValue,
  );
}

// --- The world --------------------------------------------------------------------------------------

describe(`fuzz: every way in (${backend})`, () => {
  let t: TestApp;
  let slackFake: FakeSlack;
  let connector: FakeBotConnector;
  let sink: SmtpSink;
  let spec: Conformance;
  const tried: Record<string, number> = {};
  const keys: Record<string, string> = {};
  const approvalIds: string[] = [];

  beforeAll(async () => {
    [slackFake, connector, sink] = await Promise.all([
      FakeSlack.start(),
      FakeBotConnector.start(),
      startSmtpSink(),
    ]);
    // The channel the activities come from exists at the fake Bot Connector, so replies to them post.
    connector.conversations.add(BILLING_CHANNEL);
    t = await startTestApp({
      env: {
        ...connector.env(),
        SLACK_BOT_TOKEN: "xoxb-test",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slackFake.url,
        SMTP_URL: sink.url,
        EMAIL_FROM: "countersign@example.com",
      },
    });
    keys.agent = await t.agentKey("support-bot");
    keys.operator = await t.operatorKey("ana@example.com");
    keys.admin = t.adminKey;
    for (let i = 0; i < 5; i++) approvalIds.push(await seedApproval(t.app.deps));
    spec = conformance(await (await fetch(`${t.url}/openapi.json`)).json());
  }, 60_000);
  afterAll(async () => {
    console.log(
      `fuzz figures (${backend}): ${Object.entries(tried)
        .map(([target, n]) => `${target} ${n}`)
        .join(", ")}; total ${Object.values(tried).reduce((a, b) => a + b, 0)} requests`,
    );
    await t?.close();
    await Promise.all([slackFake?.close(), connector?.close(), sink?.close()]);
  });

  async function counts(): Promise<Record<string, number>> {
    const select = TABLES.map((name) => `(SELECT count(*)::int FROM ${name}) AS ${name}`).join(", ");
    const [row] = await queryRows<Record<string, number>>(t.database.db, sql.raw(`SELECT ${select}`));
    return row!;
  }

  /** Makes one request; fails on a 5xx, and on a refused request that changed any table. */
  async function guarded(
    target: string,
    what: string,
    request: () => Promise<{ status: number; body: unknown }>,
  ): Promise<{ status: number; body: unknown }> {
    tried[target] = (tried[target] ?? 0) + 1;
    const before = await counts();
    const res = await request();
    const said = `${what.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
    expect(res.status, said).toBeLessThan(500);
    if (res.status >= 400) expect(await counts(), `refused but changed a table: ${said}`).toEqual(before);
    return res;
  }

  /** A plain HTTP request to the server, guarded. */
  function send(
    target: string,
    urlPath: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ) {
    return guarded(target, `${init.method} ${urlPath} ${String(init.body)}`, async () => {
      const res = await fetch(t.url + urlPath, init);
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: res.status, body };
    });
  }

  it("every /v1 route: no 5xx, answers as the document says, refusals change nothing", async () => {
    const valid: Record<string, Record<string, unknown>> = {
      "POST /v1/tool-calls": {
        tool: "refund.issue",
        input: { orderId: "o-1", amount: 5 },
        idempotencyKey: "k",
      },
      "POST /v1/approvals": { action: "report.send", context: { to: "x" }, timeoutMs: 60_000 },
      "POST /v1/approvals/:id": { decision: "approve", rationale: "checked", via: "api" },
      "POST /v1/approvals/bulk-decide": { ids: approvalIds.slice(0, 2), decision: "reject", rationale: "no" },
      "POST /v1/approvals/:id/override": { decision: "approve", grantBy: "sre-oncall", reason: "outage" },
      "POST /v1/keys": { agent: "support-bot", expiresInDays: 1 },
    };
    const routes = routeTable(t.app.server).filter((r) => r.url.startsWith("/v1/") && r.api);
    expect(routes.length).toBeGreaterThanOrEqual(17);
    const request = fc.record({
      route: fc.constantFrom(...routes.map((r) => `${r.method} ${r.url}`)),
      param: fc.oneof(fc.constantFrom(...approvalIds), fc.string({ unit: "binary", maxLength: 30 })),
      query: fc.dictionary(
        fc.constantFrom("wait", "limit", "cursor", "status", "agent", "mine", "order", "approvalId", "x"),
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 12 }),
          fc.constantFrom("0", "-1", "1e9", "61", "all", "%00"),
        ),
        { maxKeys: 3 },
      ),
      raw: fc.option(hostileText, { freq: 4 }),
      seed: fc.nat(),
    });
    const start = Date.now();
    await fc.assert(
      fc.asyncProperty(request, async ({ route: declared, param, query, raw, seed }) => {
        const route = routes.find((r) => `${r.method} ${r.url}` === declared)!;
        const template = valid[declared];
        let body: string | undefined;
        if (route.method === "POST") {
          const value = template
            ? fc.sample(mutated(template), { seed, numRuns: 1 })[0]
            : fc.sample(hostileValue, { seed, numRuns: 1 })[0];
          body = raw ?? JSON.stringify(value) ?? "null";
        }
        const urlPath =
          route.url.replace(/:\w+/g, encodeURIComponent(param)) +
          // Query values are sent wait-free: a long-poll would spend the time budget waiting.
          `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, k === "wait" ? "0" : v])).toString()}`;
        const key = keys[route.api!.keys[0]!]!;
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        if (body !== undefined) headers["content-type"] = "application/json";
        const res = await send("v1", urlPath, { method: route.method, headers, body });
        if (spec.template(urlPath) === undefined) {
          // An empty or slash-bearing id leaves the route: the one not-found answer, in the error shape.
          expect(res, declared).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
        } else {
          expect(spec.check(route.method, urlPath, res.status, res.body), declared).toEqual([]);
        }
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS.v1 },
    );
    expect(Date.now() - start).toBeLessThan(BUDGET_MS.v1 + 15_000);
  }, 90_000);

  it("signed Slack slash commands and interactivity: no 5xx, refusals change nothing", async () => {
    const slack = new SlackSender(t.url, SIGNING_SECRET, slackFake.responseUrl());
    const interactivity = fc.oneof(
      // A press of one of the product's buttons, on a real approval or with a hostile value.
      fc
        .record({
          actionId: fc.constantFrom(...Object.values(ACTION)),
          value: fc.oneof(fc.constantFrom(...approvalIds), hostileValue.map(asText)),
        })
        .map(({ actionId, value }) =>
          formPayload(blockActionsPayload(USERS.ana, { actionId, value }, slackFake.responseUrl())),
        ),
      // A modal submitted with hostile metadata or rationale.
      fc
        .record({
          callbackId: fc.constantFrom(...Object.values(VIEW)),
          metadata: fc.oneof(
            fc
              .constantFrom(...approvalIds)
              .map((id) => JSON.stringify({ approvalId: id, decision: "approve" })),
            hostileValue.map(asText),
          ),
          rationale: fc.option(hostileValue.map(asText)),
        })
        .map(({ callbackId, metadata, rationale }) =>
          formPayload(
            viewSubmissionPayload(
              USERS.ana,
              {
                id: "V0FAKE",
                type: "modal",
                callback_id: callbackId,
                private_metadata: metadata,
                blocks: [],
              },
              rationale,
            ),
          ),
        ),
      // Any JSON, or no JSON at all, in the payload field.
      hostileValue.map((v) => formPayload(v)),
      hostileText.map((text) => new URLSearchParams({ payload: text }).toString()),
      // A form that is not a form.
      hostileText,
    );
    const command = hostileValue.map((v) =>
      slashCommandBody({
        userId: USERS.ana,
        text: asText(v),
        responseUrl: slackFake.responseUrl(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(interactivity, command), async (body) => {
        await guarded("slack", body, () => slack.send(body));
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS.slack },
    );
  }, 60_000);

  it("signed Teams activities at /api/messages: no 5xx, refusals change nothing", async () => {
    const teams = new TeamsSender(t.url, connector);
    const activity = fc.oneof(
      hostileValue.map((v) => JSON.stringify(messageActivity(connector, TEAMS_USERS.ana, asText(v)))),
      fc
        .record({
          verb: fc.oneof(
            fc.constantFrom("approve", "reject", "refresh"),
            fc.string({ unit: "binary", maxLength: 12 }),
          ),
          data: hostileValue,
        })
        .map(({ verb, data }) =>
          JSON.stringify(
            invokeActivity(
              connector,
              TEAMS_USERS.ana,
              verb,
              (data !== null && typeof data === "object" && !Array.isArray(data)
                ? data
                : { approvalId: data }) as never,
            ),
          ),
        ),
      fc
        .record({
          field: fc.constantFrom("type", "from", "conversation", "value", "serviceUrl", "channelData"),
          value: hostileValue,
        })
        .map(({ field, value }) =>
          JSON.stringify({ ...messageActivity(connector, TEAMS_USERS.ana, "approvals"), [field]: value }),
        ),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(activity, async (body) => {
        await guarded("teams", body, () => teams.send(body));
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS.teams },
    );
  }, 60_000);

  it("the email confirm page, with forged and genuine tokens and hostile forms: no 5xx, refusals change nothing", async () => {
    const linkKey = Buffer.from(
      readFileSync(path.join(t.dataDir, "email-link.key"), "utf8").trim(),
      "base64url",
    );
    const signer = new LinkSigner(linkKey);
    const pending = await seedApproval(t.app.deps);
    const approval = (await t.call("GET", `/v1/approvals/${pending}`, { key: t.adminKey })).body;
    const genuine = () => signer.mint(approval, "ana@example.com", "reject");
    const token = fc.oneof(
      fc.constant(null),
      fc.string({ unit: "binary", maxLength: 80 }),
      fc.constant("genuine"),
    );
    const form = fc.oneof(
      hostileValue.map((v) => new URLSearchParams({ rationale: asText(v) }).toString()),
      fc.constantFrom(
        "rationale=%00",
        "rationale=%ED%A0%BD",
        "rationale=%FF%FE",
        "rationale=a&rationale=b",
        "%%%",
        `rationale=${"x".repeat(100_000)}`,
      ),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(token, form, fc.boolean(), async (tok, body, post) => {
        const value = tok === "genuine" ? genuine() : tok;
        const query = value === null ? "" : `?token=${encodeURIComponent(value)}`;
        await send(
          "email",
          `/email/decide${query}`,
          post
            ? { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }
            : { method: "GET" },
        );
      }),
      { numRuns: 100_000, interruptAfterTimeLimit: BUDGET_MS.email },
    );
  }, 60_000);

  it("nothing lost: the audit log's chain and signed checkpoints verify after it all", async () => {
    await t.app.checkpointer.checkpoint();
    const verdict = (await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body;
    expect(verdict).toMatchObject({ ok: true, problems: [], unsignedEvents: 0 });
    expect(Object.keys(tried).sort()).toEqual(["email", "slack", "teams", "v1"]);
    for (const n of Object.values(tried)) expect(n).toBeGreaterThan(20);
  });
});
