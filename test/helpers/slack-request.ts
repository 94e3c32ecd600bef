// Builds requests exactly as Slack sends them to /slack/events: slash commands as form fields,
// block_actions and view_submission as JSON in the `payload` form field, signed with the v0 HMAC of
// `v0:timestamp:body` in X-Slack-Signature beside X-Slack-Request-Timestamp.
import { createHmac, randomBytes } from "node:crypto";
import type { Clock } from "../../handlers/clock.ts";
import { startTestApp, type TestApp, type TestAppOptions } from "./app.ts";
import { type Body, FakeSlack } from "./fake-slack.ts";
import { readReply } from "./read-reply.ts";
import { API_VERSION, decisionToolYaml, prodAgentYaml, resourcesYaml } from "./resource-yaml.ts";

export interface SignOptions {
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Overrides the computed signature (bad-signature tests); null leaves the header out. */
  signature?: string | null;
  retryNum?: number;
  contentType?: string;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SlackAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: reply bodies are checked by assertions
  body: any;
  ms: number;
}

const TEAM = { id: "T0FAKE", domain: "fake" };
const triggerId = () => `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString("hex")}`;

/** Sends Slack-shaped, signed requests to a running server. */
export class SlackSender {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    /** Where response_urls in payloads point (the fake Slack). */
    private readonly responseUrl: string = "http://127.0.0.1:9/respond",
  ) {}

  async send(body: string, opts: SignOptions = {}): Promise<SlackAnswer> {
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      "content-type": opts.contentType ?? "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    };
    if (opts.signature !== null) headers["x-slack-signature"] = opts.signature ?? sign(this.secret, ts, body);
    if (opts.retryNum !== undefined) {
      headers["x-slack-retry-num"] = String(opts.retryNum);
      headers["x-slack-retry-reason"] = "http_timeout";
    }
    const started = performance.now();
    const res = await fetch(`${this.baseUrl}/slack/events`, { method: "POST", headers, body });
    return { status: res.status, body: await readReply(res), ms: performance.now() - started };
  }

  /** `/approvals TEXT` typed by `userId` in `channelId`. */
  command(userId: string, text: string, opts: SignOptions & { channelId?: string } = {}) {
    return this.send(
      slashCommandBody({ userId, text, channelId: opts.channelId, responseUrl: this.responseUrl }),
      opts,
    );
  }

  /** A click on a button (Approve/Reject on a card, or a queue button). */
  click(userId: string, action: ClickAction, opts: SignOptions = {}) {
    return this.send(formPayload(blockActionsPayload(userId, action, this.responseUrl)), opts);
  }

  /** Submitting a modal Slack opened (the `view` views.open answered), with the rationale typed. */
  submit(userId: string, view: Body, rationale: string | null, opts: SignOptions = {}) {
    return this.send(formPayload(viewSubmissionPayload(userId, view, rationale)), opts);
  }
}

export function formPayload(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function slashCommandBody(o: {
  userId: string;
  text: string;
  channelId?: string | undefined;
  responseUrl: string;
}) {
  return new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: o.channelId ?? "C0BILLING01",
    channel_name: "billing-approvals",
    user_id: o.userId,
    user_name: o.userId.toLowerCase(),
    command: "/approvals",
    text: o.text,
    api_app_id: "A0FAKE",
    is_enterprise_install: "false",
    response_url: `${o.responseUrl}/commands/${randomBytes(4).toString("hex")}`,
    trigger_id: triggerId(),
  }).toString();
}

export interface ClickAction {
  actionId: string;
  value: string;
  blockId?: string;
  /** The message clicked: a card in a channel (ts), or an ephemeral /approvals reply. */
  channelId?: string;
  messageTs?: string;
  ephemeral?: boolean;
  /** The message's input state (the queue's checkboxes). */
  stateValues?: Body;
  triggerId?: string;
}

export function blockActionsPayload(userId: string, a: ClickAction, responseUrl: string) {
  const channelId = a.channelId ?? "C0BILLING01";
  const messageTs = a.messageTs ?? "1700000000.000100";
  return {
    type: "block_actions",
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: "A0FAKE",
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    container: { type: "message", message_ts: messageTs, channel_id: channelId, is_ephemeral: !!a.ephemeral },
    trigger_id: a.triggerId ?? triggerId(),
    team: TEAM,
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channelId, name: "billing-approvals" },
    ...(a.ephemeral
      ? {}
      : { message: { type: "message", ts: messageTs, bot_id: "B0COUNTERS", text: "…", blocks: [] } }),
    state: { values: a.stateValues ?? {} },
    response_url: `${responseUrl}/actions/${randomBytes(4).toString("hex")}`,
    actions: [
      {
        action_id: a.actionId,
        block_id: a.blockId ?? "decide",
        text: { type: "plain_text", text: a.actionId, emoji: true },
        value: a.value,
        type: "button",
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export function viewSubmissionPayload(userId: string, view: Body, rationale: string | null) {
  return {
    type: "view_submission",
    team: TEAM,
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: TEAM.id },
    api_app_id: "A0FAKE",
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    trigger_id: triggerId(),
    view: {
      ...view,
      state: {
        values:
          rationale === null
            ? {}
            : { rationale: { rationale: { type: "plain_text_input", value: rationale } } },
      },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

// The Slack test world: the real app on a real database, Slack turned on against the local fake of the
// Web API, resources routing refunds to two Slack channels, and a sender of signed Slack requests.
export const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

/** Refunds and payouts need billing-leads; each card goes to two channels. ben has no Slack id (email match). */
export const SLACK_TEST_YAML = resourcesYaml(
  decisionToolYaml("refund.issue", "financial"),
  decisionToolYaml("payout.send", "financial"),
  decisionToolYaml("vault.open", "privileged"),
  `${API_VERSION}
kind: Policy
metadata: { name: financial-actions-require-approval }
spec:
  appliesTo: { agents: { selector: { matchLabels: { env: prod } } } }
  rules:
    - when: { tool.sideEffect: financial }
      require:
        approval: human
        approvalRouting:
          approvers: [team:billing-leads]
          timeoutMinutes: 60
          onTimeout: deny
        channels: [slack:#billing-approvals, slack:#payments-approvals]
    - when: { tool.sideEffect: privileged }
      require:
        approval: human
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny }
        channels: [slack:#private-finance]`,
  `${API_VERSION}
kind: Team
metadata: { name: billing-leads }
spec:
  members:
    - { email: ana@example.com, slack: U0ANA00001 }
    - { email: ben@example.com }`,
  `${API_VERSION}
kind: Role
metadata: { name: sre-oncall }
spec:
  grants: [approvals.override]
  members:
    - { email: sam@example.com, slack: U0SAM00003 }
  maxOverridesPerDay: 2
  notify: [slack:#sre-oncall]`,
  prodAgentYaml("support-bot"),
  prodAgentYaml("ops-bot"),
);

export const USERS = { ana: "U0ANA00001", ben: "U0BEN00002", sam: "U0SAM00003", eve: "U0EVE00004" } as const;

export interface SlackWorld {
  t: TestApp;
  fake: FakeSlack;
  slack: SlackSender;
  close(): Promise<void>;
}

export async function startSlackWorld(
  opts: { yaml?: string; clock?: Clock; app?: TestAppOptions["app"] } = {},
): Promise<SlackWorld> {
  const fake = await FakeSlack.start();
  const t = await startTestApp({
    onlyYaml: opts.yaml ?? SLACK_TEST_YAML,
    clock: opts.clock,
    app: opts.app,
    env: { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url },
  });
  const slack = new SlackSender(t.url, SIGNING_SECRET, fake.responseUrl());
  return {
    t,
    fake,
    slack,
    async close() {
      await t.close();
      await fake.close();
    },
  };
}

/** True when a recorded Slack body is about `approvalId` (its blocks or text name it). */
export const about = (approvalId: string) => (b: Body) => JSON.stringify(b).includes(approvalId);

/** Button elements of a message's blocks. */
export function buttons(blocks: Body[]): Body[] {
  return blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements);
}
