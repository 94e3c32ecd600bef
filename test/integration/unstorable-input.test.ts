// Input PostgreSQL cannot store — JSON nested thousands of levels deep, a lone UTF-16 surrogate, a NUL —
// is refused where it arrives with a 4xx naming the field and the problem, on every way in (the JSON API,
// the email confirm form), and nothing of it is recorded.
import { PassThrough } from "node:stream";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../bot/logger.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { seedApproval } from "../helpers/seed.ts";
import { formPayload, type SlackWorld, startSlackWorld } from "../helpers/slack-request.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const nested = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;

describe(`input the database cannot store is refused, naming it (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: gatewayYaml(tools.url) });
    [agentKey, ana] = await Promise.all([t.agentKey("support-bot"), t.operatorKey("ana@example.com")]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  /** Sends `text` exactly as written (JSON.stringify would not write a lone surrogate escape). */
  async function postRaw(path: string, text: string, key = agentKey) {
    const res = await fetch(t.url + path, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: text,
    });
    return { status: res.status, body: await res.json() };
  }
  const callsStored = async () => (await t.call("GET", "/v1/approvals?status=all", { key: ana })).body.items;

  for (const levels of [5_000, 9_000, 100_000]) {
    it(`refuses a tool input nested ${levels} levels deep with 400 naming input`, async () => {
      const res = await postRaw(
        "/v1/tool-calls",
        `{"tool":"ticket.triage","input":{"deep":${nested(levels)}}}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(
        /^input\.deep\.0\.0.*: must not nest .* more than 256 levels deep$/,
      );
      expect(tools.count("/triage")).toBe(0);
    });
  }

  it("refuses a lone surrogate in a tool input with 400 naming the field", async () => {
    const res = await postRaw(
      "/v1/tool-calls",
      '{"tool":"refund.issue","input":{"ticket":"ab\\ud83d","amount":1}}',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^input\.ticket: must not contain a lone UTF-16 surrogate/);
    expect(await callsStored()).toHaveLength(0);
  });

  it("refuses a lone surrogate or deep nesting in an approval's context with 400", async () => {
    const surrogate = await postRaw("/v1/approvals", '{"action":"deploy.web","context":{"why":"\\udc00x"}}');
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error.message).toMatch(/^context\.why: must not contain a lone UTF-16 surrogate/);
    const deep = await postRaw("/v1/approvals", `{"action":"deploy.web","context":{"d":${nested(6_000)}}}`);
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toMatch(/^context\.d\..*: must not nest/);
    expect(await callsStored()).toHaveLength(0);
  });

  it("refuses a lone surrogate in a decision's rationale with 400, leaving the approval pending", async () => {
    const started = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { tool: "refund.issue", input: { ticket: "T-1", amount: 1 } },
    });
    const { approvalId } = started.body;
    const res = await postRaw(
      `/v1/approvals/${approvalId}`,
      '{"decision":"approve","rationale":"ok \\ud83d"}',
      ana,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^rationale: must not contain a lone UTF-16 surrogate/);
    const approval = await t.call("GET", `/v1/approvals/${approvalId}`, { key: ana });
    expect(approval.body.status).toBe("pending");
  });
});

describe(`the email confirm form refuses a NUL in the rationale (${backend})`, () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { SMTP_URL: sink.url, EMAIL_FROM: "Countersign <cs@example.com>" } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  it("shows the form again naming the NUL, and records nothing", async () => {
    const id = await seedApproval(t.app.deps);
    const [mail] = await sink.waitFor("ana@example.com", 1, id);
    const approve = /^Approve: (\S+)$/m.exec(mail!.text)![1]!;
    const link = t.url + approve.slice(t.app.config.publicUrl.length);
    const res = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "rationale=looks%00fine",
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("must not contain the NUL character");
    const ana = await t.operatorKey("ana@example.com");
    expect((await t.call("GET", `/v1/approvals/${id}`, { key: ana })).body.status).toBe("pending");
  });
});

describe(`Slack payloads the database cannot store are refused, naming the field (${backend})`, () => {
  let world: SlackWorld;
  beforeAll(async () => {
    world = await startSlackWorld();
  });
  afterAll(async () => world?.close());

  it("answers 400 for a NUL or deep nesting in a signed interaction payload", async () => {
    const nul = await world.slack.send(formPayload({ type: "block_actions", note: "a\u0000b" }));
    expect(nul.status).toBe(400);
    expect(nul.body.error.message).toBe("note: must not contain the NUL character (\\u0000)");
    const deep = await world.slack.send(
      formPayload({ type: "view_submission", view: { state: JSON.parse(nested(3_000)) } }),
    );
    expect(deep.status).toBe(400);
    expect(deep.body.error.message).toMatch(/^view\.state\.0\..*: must not nest/);
  });
});

describe("logs of a failed query", () => {
  it("leave out the query's parameters (a tool's input, a context)", () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
    const logger = createLogger("info", out);
    const secret = "card 4111-1111-1111-1111";
    const cause = new Error("unsupported Unicode escape sequence");
    logger.error(
      { err: new DrizzleQueryError("insert into tool_calls values ($1)", [secret], cause) },
      "failed",
    );
    const logged = lines.join("");
    expect(logged).toContain("insert into tool_calls");
    expect(logged).toContain("unsupported Unicode escape sequence");
    expect(logged).not.toContain("4111");
  });
});
