// POST /api/messages refuses anything the Bot Framework did not sign for this bot (401) before it looks
// at the body, and a malformed body from a signed request is 400. Tokens are real RS256 JWTs, checked by
// botbuilder against the fake's OpenID metadata and JWKS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../bot/config.ts";
import { backend } from "../helpers/db.ts";
import { FakeBotConnector } from "../helpers/fake-bot-connector.ts";
import { invokeActivity, startTeamsWorld, TEAMS_USERS, type TeamsWorld } from "../helpers/teams-request.ts";

describe(`Teams request authentication (${backend})`, () => {
  let w: TeamsWorld;
  let approvalId: string;
  let body: string;

  beforeAll(async () => {
    w = await startTeamsWorld();
    const agent = await w.t.agentKey("support-bot");
    const res = await w.t.call("POST", "/v1/tool-calls", {
      key: agent,
      body: { tool: "refund.issue", input: { ticket: "T-1", amount: 42 } },
    });
    approvalId = res.body.approvalId;
    // A press by an approver with a rationale: it would decide if it were let through.
    body = JSON.stringify(
      invokeActivity(w.connector, TEAMS_USERS.ana, "approve", { approvalId, rationale: "fine" }),
    );
  });
  afterAll(() => w.close());

  const stillPending = async () => {
    const res = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.t.adminKey });
    expect(res.body.status).toBe("pending");
  };

  it.each([
    ["no Authorization header", () => null],
    ["a token that is not a JWT", () => "Bearer not-a-jwt"],
    ["another scheme", (c: FakeBotConnector) => `Basic ${c.token()}`],
    [
      "a token signed by another key",
      (c: FakeBotConnector) => `Bearer ${c.token({ key: FakeBotConnector.otherKey() })}`,
    ],
    ["a token for another bot", (c: FakeBotConnector) => `Bearer ${c.token({ audience: "someone-else" })}`],
    [
      "a token from another issuer",
      (c: FakeBotConnector) => `Bearer ${c.token({ issuer: "https://sts.example.com/" })}`,
    ],
    ["an expired token", (c: FakeBotConnector) => `Bearer ${c.token({ expiresIn: -3600 })}`],
    [
      "a token for another service URL",
      (c: FakeBotConnector) => `Bearer ${c.token({ serviceUrl: "https://smba.example.com/" })}`,
    ],
  ])("refuses %s with 401 and records nothing", async (_name, header) => {
    const res = await w.teams.send(body, header(w.connector));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    await stillPending();
  });

  it("answers 401 to a malformed body without a token: authentication comes first", async () => {
    const res = await w.teams.send("{not json", null);
    expect(res.status).toBe(401);
  });

  it("answers 400 to a malformed body from a signed request, naming the problem", async () => {
    const notJson = await w.teams.send("{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toMatch(/not a JSON object/);
    const activity = JSON.parse(body);
    delete activity.conversation;
    const noConversation = await w.teams.send(JSON.stringify(activity));
    expect(noConversation.status).toBe(400);
    expect(noConversation.body.error.message).toBe("activity has no conversation.id");
    await stillPending();
  });

  it("lets the same press through with a valid token", async () => {
    const res = await w.teams.send(body);
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.value)).toContain("Approved by ana@example.com");
  });
});

describe("Teams configuration", () => {
  const configError = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error("loadConfig accepted it");
  };

  it("names the variable that is missing or wrong", () => {
    expect(configError({ TEAMS_APP_ID: "app" })).toBe(
      "TEAMS_APP_PASSWORD is required with TEAMS_APP_ID (app type MultiTenant)",
    );
    expect(
      configError({ TEAMS_APP_ID: "app", TEAMS_APP_PASSWORD: "pw", TEAMS_APP_TYPE: "SingleTenant" }),
    ).toBe("TEAMS_APP_TENANT_ID is required with TEAMS_APP_TYPE=SingleTenant");
    expect(configError({ TEAMS_APP_ID: "app", TEAMS_APP_PASSWORD: "pw", TEAMS_API_URL: "smba" })).toBe(
      "TEAMS_API_URL must be an http(s) URL",
    );
  });

  it("defaults to the global Bot Connector service URL", () => {
    const config = loadConfig({ TEAMS_APP_ID: "app", TEAMS_APP_PASSWORD: "pw" });
    expect(config.teams).toMatchObject({
      appType: "MultiTenant",
      apiUrl: "https://smba.trafficmanager.net/teams/",
    });
    expect(config.channelsOff).not.toContain("teams: off (no TEAMS_APP_ID)");
  });
});
