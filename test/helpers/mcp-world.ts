// The MCP test world: the real app with Slack on (against the fake Slack Web API), fronting two real
// upstream MCP servers over stdio — @modelcontextprotocol/server-everything, which no one here wrote,
// and the billing fixture (test/fixtures/mcp/billing-server.mjs), which counts every tools/call it
// receives — and agents connecting with the official SDK Client over Streamable HTTP or through
// `countersign mcp stdio`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Body } from "./fake-slack.ts";
import { prodAgentYaml, resourcesYaml, API_VERSION as V } from "./resource-yaml.ts";
import { about, type SlackWorld, startSlackWorld, USERS } from "./slack-request.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const BILLING_SERVER = path.join(ROOT, "test/fixtures/mcp/billing-server.mjs");
export const EVERYTHING_SERVER = path.join(
  ROOT,
  "node_modules/@modelcontextprotocol/server-everything/dist/index.js",
);
const CLI = path.join(ROOT, "bin/countersign.mjs");

export interface UpstreamFiles {
  dir: string;
  /** Every tools/call the billing fixture received, one JSON line each. */
  counts: string;
  pid: string;
  /** While this file exists, the billing fixture refuses to start. */
  broken: string;
}

export function upstreamFiles(): UpstreamFiles {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-mcp-"));
  return {
    dir,
    counts: path.join(dir, "calls.jsonl"),
    pid: path.join(dir, "billing.pid"),
    broken: path.join(dir, "broken"),
  };
}

/** How many times the billing fixture ran `tool` (for the ticket or account given, if one is). */
export function upstreamCount(files: UpstreamFiles, tool: string, about?: string): number {
  if (!existsSync(files.counts)) return 0;
  return readFileSync(files.counts, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { tool: string; args: Record<string, unknown> })
    .filter((c) => c.tool === tool && (about === undefined || Object.values(c.args).includes(about))).length;
}

export function mcpYaml(files: UpstreamFiles): string {
  return resourcesYaml(
    `${V}
kind: McpServer
metadata: { name: billing }
spec:
  transport:
    type: stdio
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(BILLING_SERVER)}]
    env: { COUNT_FILE: ${JSON.stringify(files.counts)}, PID_FILE: ${JSON.stringify(files.pid)}, BROKEN_FILE: ${JSON.stringify(files.broken)} }
  connectTimeoutMs: 8000
  tools:
    issue_refund: { sideEffects: { level: financial, idempotent: false, requiresApproval: true } }`,
    `${V}
kind: McpServer
metadata: { name: everything }
spec:
  transport: { type: stdio, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(EVERYTHING_SERVER)}, stdio] }`,
    `${V}
kind: Policy
metadata: { name: refunds }
spec:
  appliesTo: { agents: { selector: { matchLabels: { env: prod } } } }
  rules:
    - when: { tool.name: billing.issue_refund, input.ticket: { matches: "^QUICK-" } }
      require:
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 0.05, onTimeout: deny }
        channels: [slack:#billing-approvals]
    - when: { tool.sideEffect: financial }
      require:
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny }
        channels: [slack:#billing-approvals]
    - { when: { tool.name: billing.close_account }, action: deny }
    - { when: { tool.name: billing.send_receipt }, action: allow }`,
    `${V}
kind: Team
metadata: { name: billing-leads }
spec:
  members:
    - { email: ana@example.com, slack: ${USERS.ana} }
    - { email: ben@example.com, slack: ${USERS.ben} }`,
    prodAgentYaml("support-bot"),
    prodAgentYaml("other-bot"),
  );
}

export interface McpWorld extends SlackWorld {
  files: UpstreamFiles;
  agentKey: string;
  otherKey: string;
  /** An SDK client over Streamable HTTP at /mcp/SERVER, with the bearer key. */
  http(server: string, key?: string): Promise<Client>;
  /** An SDK client over stdio to `countersign mcp stdio SERVER`. */
  stdio(server: string, key?: string): Promise<Client>;
  /** Approves (or rejects) in Slack: the card's button, the modal, the rationale, through /slack/events. */
  decideInSlack(approvalId: string, decision: "approve" | "reject", rationale: string): Promise<void>;
}

export async function startMcpWorld(opts: { progressEveryMs?: number } = {}): Promise<McpWorld> {
  const files = upstreamFiles();
  const world = await startSlackWorld({
    yaml: mcpYaml(files),
    app: {
      gateway: { mcp: { backoffMs: 100, maxBackoffMs: 500 } },
      mcp: { progressEveryMs: opts.progressEveryMs ?? 10_000 },
    },
  });
  const agentKey = await world.t.agentKey("support-bot");
  const otherKey = await world.t.agentKey("other-bot");
  const clients: Client[] = [];
  const connect = async (transport: StreamableHTTPClientTransport | StdioClientTransport) => {
    const client = new Client({ name: "mcp-world-agent", version: "1.0.0" });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  return {
    ...world,
    files,
    agentKey,
    otherKey,
    http: (server, key = agentKey) =>
      connect(
        new StreamableHTTPClientTransport(new URL(`${world.t.url}/mcp/${server}`), {
          requestInit: { headers: { authorization: `Bearer ${key}` } },
        }),
      ),
    stdio: (server, key = agentKey) =>
      connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [CLI, "mcp", "stdio", server],
          env: { COUNTERSIGN_URL: world.t.url, COUNTERSIGN_KEY: key, PATH: process.env.PATH ?? "" },
          stderr: "pipe",
        }),
      ),
    async decideInSlack(approvalId, decision, rationale) {
      await world.fake.waitFor("chat.postMessage", 1, about(approvalId));
      const reply = world.fake
        .records("chat.postMessage")
        .find((r) => r.ok && about(approvalId)(r.body))!.reply;
      const before = world.fake.records("views.open").length;
      await world.slack.click(USERS.ana, {
        actionId: `countersign.${decision}`,
        value: approvalId,
        channelId: reply.channel,
        messageTs: reply.ts,
      });
      await world.fake.waitFor("views.open", 1, about(approvalId));
      const view: Body = world.fake
        .records("views.open")
        .slice(before)
        .find((r) => r.ok)!.reply.view;
      const submitted = await world.slack.submit(USERS.ana, view, rationale);
      if (submitted.status !== 200) throw new Error(`Slack view_submission answered ${submitted.status}`);
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await world.close();
      rmSync(files.dir, { recursive: true, force: true });
    },
  };
}
