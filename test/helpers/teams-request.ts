// Sends activities to POST /api/messages exactly as Teams does — invoke `adaptiveCard/action` for card
// buttons, messages (with the bot's <at> mention) for the `approvals` command — each signed by the fake
// Bot Framework's key. Also the Teams test world (the real app with Teams, and Slack, against local fakes)
// and the Adaptive Card 1.5 schema check (shared/schemas, loaded as its README says).

import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import { expect } from "vitest";
import { TEAMS_LIMITS } from "../../blocks/limits.ts";
import type { Clock } from "../../handlers/clock.ts";
import { startTestApp, type TestApp } from "./app.ts";
import { type Body, FakeBotConnector } from "./fake-bot-connector.ts";
import { FakeSlack } from "./fake-slack.ts";
import { readReply } from "./read-reply.ts";
import { API_VERSION, decisionToolYaml, prodAgentYaml, resourcesYaml } from "./resource-yaml.ts";
import { SCHEMAS_DIR, schemaErrors } from "./schemas.ts";
import { SIGNING_SECRET } from "./slack-request.ts";

// --- Adaptive Card 1.5 schema -------------------------------------------------------------------------

const CARD_SCHEMA = path.join(SCHEMAS_DIR, "adaptive-card-1.5.schema.json");

function loadCardSchema(): ValidateFunction | null {
  if (!existsSync(CARD_SCHEMA)) {
    console.warn(`Adaptive Card schema checks skipped: ${CARD_SCHEMA} is absent`);
    return null;
  }
  const { id, ...rest } = JSON.parse(readFileSync(CARD_SCHEMA, "utf8"));
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(createRequire(import.meta.url)("ajv/dist/refs/json-schema-draft-06.json"));
  ajvFormats.default(ajv);
  return ajv.compile({ $id: id, ...rest });
}

let validate: ValidateFunction | null | undefined;

/**
 * Fails unless `card` is a valid Adaptive Card 1.5 (the schema checks neither type nor version: we do).
 * Without ../shared the schema check is skipped with one printed reason; type and version still count.
 */
export function assertAdaptiveCard(card: Body): void {
  if (validate === undefined) validate = loadCardSchema();
  expect(card.type).toBe("AdaptiveCard");
  expect(card.version).toBe("1.5");
  if (validate && !validate(card)) throw new Error(`not an Adaptive Card 1.5: ${schemaErrors(validate)}`);
}

/** Fails unless a posted activity carries one valid card and fits Teams' message size. */
export function cardOf(activity: Body): Body {
  expect(new TextEncoder().encode(JSON.stringify(activity)).length).toBeLessThanOrEqual(
    TEAMS_LIMITS.messageBytes,
  );
  expect(activity.attachments).toHaveLength(1);
  expect(activity.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
  assertAdaptiveCard(activity.attachments[0].content);
  return activity.attachments[0].content;
}

/** Every Action.* in a card, wherever it sits. */
export function actionsOf(card: Body): Body[] {
  return collect(card, (type) => type.startsWith("Action."));
}

/** Every element of a given type in a card. */
export function elementsOf(card: Body, type: string): Body[] {
  return collect(card, (t) => t === type);
}

function collect(card: Body, keep: (type: string) => boolean): Body[] {
  const found: Body[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const o = node as Body;
      if (typeof o.type === "string" && keep(o.type)) found.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}

// --- Activities as Teams sends them --------------------------------------------------------------------

export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
}

export interface TeamsAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: reply bodies are checked by assertions
  body: any;
}

export const BILLING_CHANNEL = "19:billing0approvals@thread.tacv2";
export const TEAM_ID = "19:billing0team@thread.skype";

export class TeamsSender {
  constructor(
    private readonly baseUrl: string,
    private readonly fake: FakeBotConnector,
  ) {}

  /** POSTs a raw body; `token` null sends no Authorization header, a string sends that header. */
  async send(body: string, token?: string | null): Promise<TeamsAnswer> {
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    const auth = token === undefined ? `Bearer ${this.fake.token()}` : token;
    if (auth !== null) headers.authorization = auth;
    const res = await fetch(`${this.baseUrl}/api/messages`, { method: "POST", headers, body });
    return { status: res.status, body: await readReply(res) };
  }

  /** A press of an Action.Execute button, with the card's inputs merged into data as Teams does. */
  press(user: TeamsUser, verb: string, data: Body, opts: { messageId?: string; token?: string | null } = {}) {
    return this.send(JSON.stringify(invokeActivity(this.fake, user, verb, data, opts.messageId)), opts.token);
  }

  /** A message in the billing channel that @mentions the bot. */
  say(user: TeamsUser, text: string) {
    return this.send(JSON.stringify(messageActivity(this.fake, user, text)));
  }
}

function common(fake: FakeBotConnector, user: TeamsUser, messageId: string) {
  return {
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    id: `f:${randomBytes(8).toString("hex")}`,
    channelId: "msteams",
    serviceUrl: fake.serviceUrl,
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    conversation: {
      isGroup: true,
      conversationType: "channel",
      tenantId: fake.tenantId,
      id: `${BILLING_CHANNEL};messageid=${messageId}`,
    },
    recipient: { id: `28:${fake.appId}`, name: "Countersign" },
    entities: [
      { locale: "en-US", country: "US", platform: "Web", timezone: "Europe/Berlin", type: "clientInfo" },
    ],
    channelData: {
      teamsChannelId: BILLING_CHANNEL,
      teamsTeamId: TEAM_ID,
      channel: { id: BILLING_CHANNEL },
      team: { id: TEAM_ID },
      tenant: { id: fake.tenantId },
      source: { name: "message" },
    },
    locale: "en-US",
    localTimezone: "Europe/Berlin",
  };
}

export function invokeActivity(
  fake: FakeBotConnector,
  user: TeamsUser,
  verb: string,
  data: Body,
  messageId = "1700000000001",
) {
  return {
    name: "adaptiveCard/action",
    type: "invoke",
    ...common(fake, user, messageId),
    replyToId: messageId,
    value: { action: { type: "Action.Execute", title: verb, verb, data }, trigger: "manual" },
  };
}

export function messageActivity(fake: FakeBotConnector, user: TeamsUser, text: string) {
  const mention = "<at>Countersign</at>";
  const base = common(fake, user, "1700000000002");
  return {
    ...base,
    type: "message",
    text: `${mention} ${text}`,
    textFormat: "plain",
    attachments: [
      {
        contentType: "text/html",
        content: `<p><span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="0">Countersign</span> ${text}</p>`,
      },
    ],
    entities: [
      { type: "mention", text: mention, mentioned: { id: `28:${fake.appId}`, name: "Countersign" } },
      ...base.entities,
    ],
  };
}

// --- The Teams test world ------------------------------------------------------------------------------

export const TEAMS_USERS = {
  ana: { id: "29:1ana", aadObjectId: "0a0a0a0a-0000-4000-8000-00000000a0a0", name: "Ana" },
  /** No `teams:` id on the Team: matched by the email the Bot Connector gives. */
  ben: { id: "29:1ben", aadObjectId: "0b0b0b0b-0000-4000-8000-00000000b0b0", name: "Ben" },
  eve: { id: "29:1eve", aadObjectId: "0e0e0e0e-0000-4000-8000-00000000e0e0", name: "Eve" },
} satisfies Record<string, TeamsUser>;

/** Refunds go to the Teams billing channel and Slack; vault.open needs no rationale; ben has no Teams id. */
export const TEAMS_TEST_YAML = resourcesYaml(
  decisionToolYaml("refund.issue", "financial"),
  decisionToolYaml("payout.send", "external_write"),
  `${API_VERSION}
kind: Policy
metadata: { name: financial-actions-require-approval }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.sideEffect: financial }
      require:
        approval: human
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny }
        channels: ["teams:${BILLING_CHANNEL}", "slack:#billing-approvals"]
    - when: { tool.name: payout.send }
      require:
        approval: human
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny }
        channels: ["teams:${TEAM_ID}/Payouts"]
        rationale: optional`,
  `${API_VERSION}
kind: Team
metadata: { name: billing-leads }
spec:
  members:
    - { email: ana@example.com, slack: U0ANA00001, teams: ${TEAMS_USERS.ana.aadObjectId} }
    - { email: ben@example.com }`,
  prodAgentYaml("support-bot"),
);

export interface TeamsWorld {
  t: TestApp;
  connector: FakeBotConnector;
  slackFake: FakeSlack;
  teams: TeamsSender;
  close(): Promise<void>;
}

export async function startTeamsWorld(opts: { clock?: Clock } = {}): Promise<TeamsWorld> {
  const connector = await FakeBotConnector.start();
  connector.conversations.add(BILLING_CHANNEL);
  connector.conversations.add("19:payouts0channel@thread.tacv2");
  connector.teams.set(TEAM_ID, [{ id: TEAM_ID }, { id: "19:payouts0channel@thread.tacv2", name: "Payouts" }]);
  connector.members.set(TEAMS_USERS.ben.id, {
    ...TEAMS_USERS.ben,
    email: "Ben@example.com",
    userPrincipalName: "ben@example.com",
  });
  connector.members.set(TEAMS_USERS.eve.id, { ...TEAMS_USERS.eve, email: "eve@example.com" });
  const slackFake = await FakeSlack.start();
  const t = await startTestApp({
    onlyYaml: TEAMS_TEST_YAML,
    clock: opts.clock,
    env: {
      ...connector.env(),
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackFake.url,
    },
  });
  return {
    t,
    connector,
    slackFake,
    teams: new TeamsSender(t.url, connector),
    async close() {
      await t.close();
      await connector.close();
      await slackFake.close();
    },
  };
}
