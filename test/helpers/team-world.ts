// The world of the team-approval tests: the real app on a real database with every surface on — Slack
// (the fake Web API), Teams (the fake Bot Connector), email (a real SMTP server) — and a real tool
// endpoint that counts what it is sent. The treasury team (ana, ben, cara) approves the payments-bot's
// tools: a large vendor.pay needs two of the three, invoice.credit and ledger.fix may be approved with
// edits (a flat schema and a nested one), refund.issue needs one approver and takes no edits.
import type { Clock } from "../../handlers/clock.ts";
import { startTestApp, type TestApp } from "./app.ts";
import { FakeBotConnector } from "./fake-bot-connector.ts";
import { DEFAULT_CHANNELS, FakeSlack } from "./fake-slack.ts";
import { API_VERSION, resourcesYaml, toolYaml } from "./resource-yaml.ts";
import { SIGNING_SECRET, SlackSender } from "./slack-request.ts";
import { type SmtpSink, startSmtpSink } from "./smtp-sink.ts";
import { BILLING_CHANNEL, TeamsSender, type TeamsUser } from "./teams-request.ts";
import { startToolEndpoint, type ToolEndpoint } from "./tool-endpoint.ts";

export const TREASURY_CHANNEL = "19:treasury0approvals@thread.tacv2";
export const TREASURY_SLACK = { id: "C0TREASURY1", name: "treasury-approvals" };

export const TEAM_USERS = {
  ana: { id: "29:1ana", aadObjectId: "0a0a0a0a-0000-4000-8000-00000000a0a0", name: "Ana" },
  ben: { id: "29:1ben", aadObjectId: "0b0b0b0b-0000-4000-8000-00000000b0b0", name: "Ben" },
} satisfies Record<string, TeamsUser>;
export const SLACK_IDS = { ana: "U0ANA00001", ben: "U0BEN00002", sam: "U0SAM00003" } as const;

const CHANNELS = `[slack:#treasury-approvals, "teams:${TREASURY_CHANNEL}", email:treasury@example.com]`;

// A minute to answer: the local endpoint answers at once, but on a loaded machine a process can stall
// past the default 10 s, and a non-idempotent call that times out ends outcome_unknown, not succeeded.
function restTool(name: string, url: string, schema?: string): string {
  return toolYaml(
    name,
    `  type: rest
  endpoint: { url: "${url}", method: POST, timeoutMs: 60000 }
  sideEffects: { level: financial, idempotent: false, requiresApproval: true }
${schema ? `  inputSchema:\n${schema}` : ""}`,
  );
}

export function teamWorldYaml(toolUrl: string): string {
  return resourcesYaml(
    `${API_VERSION}
kind: Team
metadata: { name: treasury }
spec:
  members:
    - { email: ana@example.com, slack: ${SLACK_IDS.ana}, teams: ${TEAM_USERS.ana.aadObjectId} }
    - { email: ben@example.com, slack: ${SLACK_IDS.ben}, teams: ${TEAM_USERS.ben.aadObjectId} }
    - { email: cara@example.com }`,
    `${API_VERSION}
kind: Agent
metadata: { name: payments-bot }`,
    restTool(
      "vendor.pay",
      `${toolUrl}/pay`,
      `    type: object
    properties: { vendor: { type: string }, amount: { type: number }, currency: { type: string, enum: [EUR, USD] } }
    required: [vendor, amount, currency]
    additionalProperties: false`,
    ),
    restTool(
      "invoice.credit",
      `${toolUrl}/credit`,
      `    type: object
    properties:
      invoice: { type: string }
      amount: { type: number, exclusiveMinimum: 0, maximum: 5000 }
      reason: { type: string }
      urgent: { type: boolean }
    required: [invoice, amount]
    additionalProperties: false`,
    ),
    restTool(
      "ledger.fix",
      `${toolUrl}/ledger`,
      `    type: object
    properties:
      entries:
        type: array
        items: { type: object, properties: { account: { type: string }, cents: { type: integer } }, required: [account, cents] }
    required: [entries]`,
    ),
    restTool("refund.issue", `${toolUrl}/refund`),
    `${API_VERSION}
kind: Policy
metadata: { name: treasury-controls }
spec:
  appliesTo: { agents: [payments-bot] }
  rules:
    - when: { tool.name: vendor.pay }
      require:
        approval: human
        approvalRouting: { approvers: [team:treasury], minApprovals: 2, timeoutMinutes: 60, onTimeout: deny }
        channels: ${CHANNELS}
    - when: { tool.name: { in: [invoice.credit, ledger.fix] } }
      require:
        approval: human
        edits: allowed
        approvalRouting: { approvers: [team:treasury], timeoutMinutes: 60, onTimeout: deny }
        channels: ${CHANNELS}
    - when: { tool.name: refund.issue }
      require:
        approval: human
        approvalRouting: { approvers: [team:treasury], timeoutMinutes: 60, onTimeout: deny }
        channels: ${CHANNELS}`,
    `${API_VERSION}
kind: Role
metadata: { name: duty }
spec:
  grants: [approvals.override]
  members: [{ email: ana@example.com }]`,
    `${API_VERSION}
kind: Role
metadata: { name: solo-duty }
spec:
  grants: [approvals.override]
  members: [{ email: ana@example.com }]
  allowSelfOverride: true`,
  );
}

export interface TeamWorld {
  t: TestApp;
  slackFake: FakeSlack;
  slack: SlackSender;
  connector: FakeBotConnector;
  teams: TeamsSender;
  sink: SmtpSink;
  tool: ToolEndpoint;
  agentKey: string;
  keys: { ana: string; ben: string; cara: string };
  close(): Promise<void>;
}

export async function startTeamWorld(opts: { clock?: Clock } = {}): Promise<TeamWorld> {
  const [slackFake, connector, sink, tool] = await Promise.all([
    FakeSlack.start({ channels: [...DEFAULT_CHANNELS, TREASURY_SLACK] }),
    FakeBotConnector.start(),
    startSmtpSink(),
    startToolEndpoint(),
  ]);
  connector.conversations.add(TREASURY_CHANNEL);
  // Where the Teams sender's activities come from (its `approvals` replies go there).
  connector.conversations.add(BILLING_CHANNEL);
  const t = await startTestApp({
    onlyYaml: teamWorldYaml(tool.url),
    clock: opts.clock,
    env: {
      ...connector.env(),
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackFake.url,
      SMTP_URL: sink.url,
      EMAIL_FROM: "Countersign <countersign@example.com>",
    },
  });
  const [agentKey, ana, ben, cara] = await Promise.all([
    t.agentKey("payments-bot"),
    t.operatorKey("ana@example.com"),
    t.operatorKey("ben@example.com"),
    t.operatorKey("cara@example.com"),
  ]);
  return {
    t,
    slackFake,
    slack: new SlackSender(t.url, SIGNING_SECRET, slackFake.responseUrl()),
    connector,
    teams: new TeamsSender(t.url, connector),
    sink,
    tool,
    agentKey,
    keys: { ana, ben, cara },
    async close() {
      await t.close();
      await Promise.all([slackFake.close(), connector.close(), sink.close(), tool.close()]);
    },
  };
}

/** The agent's call of `tool`, answered 202 and waiting for approval; its ids. */
export async function waitingCall(
  w: TeamWorld,
  tool: string,
  input: Record<string, unknown>,
  extra: { requestedBy?: string } = {},
): Promise<{ callId: string; approvalId: string }> {
  const res = await w.t.call("POST", "/v1/tool-calls", { key: w.agentKey, body: { tool, input, ...extra } });
  if (res.status !== 202)
    throw new Error(`expected 202 for ${tool}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return { callId: res.body.id, approvalId: res.body.approvalId };
}

/** The call once it has run or been denied: long-polls past waiting_for_approval and executing. */
export async function settledCall(w: TeamWorld, callId: string) {
  for (;;) {
    const { body } = await w.t.call("GET", `/v1/tool-calls/${callId}?wait=20`, { key: w.agentKey });
    if (body.status !== "waiting_for_approval" && body.status !== "executing") return body;
  }
}
