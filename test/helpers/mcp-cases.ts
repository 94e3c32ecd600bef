// What an MCP agent must see through the gateway, whichever way it connects (the official SDK Client over
// Streamable HTTP at /mcp/SERVER, or over stdio through `countersign mcp stdio SERVER`): allowed calls
// answered as the server answers, denials that never reach it, a call held for a person in Slack while the
// same client carries on, rejection and timeout named, a client that gives up and repeats, a server that
// dies mid-session. Each transport's test file runs these against its own world.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CallToolResultSchema,
  type Progress,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { toolCalls } from "../../db/schema.ts";
import type { Body } from "./fake-slack.ts";
import { type McpWorld, startMcpWorld, upstreamCount } from "./mcp-world.ts";
import { about } from "./slack-request.ts";

export type Connect = (w: McpWorld, server: string) => Promise<Client>;

// biome-ignore lint/suspicious/noExplicitAny: results are checked by assertions
type Result = any;

const text = (r: Result): string => (r.content as { text?: string }[]).map((c) => c.text ?? "").join("\n");

/** The approval id on the card posted for the call about `ticket`. */
export async function cardFor(w: McpWorld, ticket: string): Promise<string> {
  const [card] = await w.fake.waitFor("chat.postMessage", 1, about(ticket));
  return /approval-call-[0-9a-f]+/.exec(JSON.stringify(card))![0];
}

export const cardsAbout = (w: McpWorld, ticket: string) =>
  w.fake.calls("chat.postMessage").filter(about(ticket));

/** Registers the shared cases; returns a getter for the world they ran in. */
export function mcpCases(connect: Connect): () => McpWorld {
  let w: McpWorld;
  let billing: Client;
  beforeAll(async () => {
    w = await startMcpWorld({ progressEveryMs: 300 });
    billing = await connect(w, "billing");
  });
  afterAll(() => w?.close());

  it("lists the server's tools less those policy denies this agent outright, classified as §8 says", async () => {
    const { tools } = await billing.listTools();
    // close_account is denied by a rule; issue_refund (override: financial), get_balance (readOnlyHint),
    // send_receipt (allowed by a rule) stay, with the server's own definitions.
    expect(tools.map((t) => t.name)).toEqual(["issue_refund", "get_balance", "open_desk", "send_receipt"]);
    expect(tools.find((t) => t.name === "get_balance")).toMatchObject({
      description: "Read an account's balance.",
      annotations: { readOnlyHint: true },
      execution: { taskSupport: "optional" },
    });
  });

  it("allowed: runs on the server and answers with its result, recorded like a REST call", async () => {
    const result = await billing.callTool({ name: "get_balance", arguments: { account: "ACC-ALLOWED" } });
    expect(result).toEqual({ content: [{ type: "text", text: "Balance of ACC-ALLOWED: 1200.00 EUR" }] });
    expect(upstreamCount(w.files, "get_balance", "ACC-ALLOWED")).toBe(1);
    // The record of an allowed read is stored just after the answer (gateway/tool-calls/finished-calls.ts).
    const recorded = async () =>
      (
        await w.t.database.db.select().from(toolCalls).where(eq(toolCalls.tool, "billing.get_balance"))
      ).filter((r) => (r.input as Body).account === "ACC-ALLOWED");
    await expect
      .poll(recorded, { timeout: 2_000 })
      .toMatchObject([{ agent: "support-bot", status: "succeeded", policy: null, rule: null }]);
  });

  it("denied: never reaches the server; the result names the policy and rule", async () => {
    const result: Result = await billing.callTool({
      name: "close_account",
      arguments: { account: "ACC-DENY" },
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      "Countersign: billing.close_account was denied by policy refunds, rule 2. It was not run.",
    );
    expect(upstreamCount(w.files, "close_account")).toBe(0);
    const call = await w.t.call("GET", `/v1/tool-calls/${result._meta["countersign/callId"]}`, {
      key: w.agentKey,
    });
    expect(call.body).toMatchObject({ status: "denied", reason: "policy", policy: "refunds", rule: 2 });
  });

  it("an unknown tool or a malformed request is a JSON-RPC error; bad arguments a tool error naming the field, before any card", async () => {
    await expect(billing.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(
      /Unknown tool: no_such_tool/,
    );
    const bad: Result = await billing.callTool({ name: "issue_refund", arguments: { ticket: "T-BAD" } });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toBe("Countersign: input.amount: is required");
    expect(cardsAbout(w, "T-BAD")).toEqual([]);
    // What the database could not store, and a malformed idempotency key, are refused naming the field.
    await expect(
      billing.callTool({ name: "get_balance", arguments: { account: "ACC\u0000NUL" } }),
    ).rejects.toThrow("arguments.account: must not contain the NUL character (\\u0000)");
    await expect(
      billing.callTool({
        name: "get_balance",
        arguments: { account: "ACC-KEY" },
        _meta: { "countersign/idempotencyKey": 42 },
      }),
    ).rejects.toThrow('_meta["countersign/idempotencyKey"]: expected a string of 1 to 200 characters');
  });

  it("approval: the card goes to Slack, the call is held while the same client makes 20 calls, then answered within 1 s of the decision, run once", async () => {
    const progress: Progress[] = [];
    let settled = false;
    const held = billing
      .callTool({ name: "issue_refund", arguments: { ticket: "T-HOLD", amount: 42 } }, CallToolResultSchema, {
        onprogress: (p) => progress.push(p),
        timeout: 30_000,
      })
      .finally(() => {
        settled = true;
      });
    const approvalId = await cardFor(w, "T-HOLD");
    const others = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        billing.callTool({ name: "get_balance", arguments: { account: `ACC-BUSY-${i}` } }),
      ),
    );
    expect(others.map((r: Result) => text(r))).toEqual(
      Array.from({ length: 20 }, (_, i) => `Balance of ACC-BUSY-${i}: 1200.00 EUR`),
    );
    expect(settled).toBe(false);
    // Progress every 300 ms in this world (10 s by default), saying what it waits for.
    await expect.poll(() => progress.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(progress[0]!.message).toContain(`Waiting for approval ${approvalId} by team:billing-leads`);
    expect(upstreamCount(w.files, "issue_refund", "T-HOLD")).toBe(0);

    await w.decideInSlack(approvalId, "approve", "Refund eligibility confirmed.");
    const decidedAt = performance.now();
    const result = await held;
    expect(performance.now() - decidedAt).toBeLessThan(1000);
    expect(result).toEqual({
      content: [{ type: "text", text: "Refunded 42 EUR for T-HOLD" }],
      structuredContent: { refunded: 42, ticket: "T-HOLD" },
    });
    expect(upstreamCount(w.files, "issue_refund", "T-HOLD")).toBe(1);
    expect(cardsAbout(w, "T-HOLD")).toHaveLength(1);
    // The same record as a REST call: the approval, its decision, the call's outcome.
    const approval = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.agentKey });
    expect(approval.body).toMatchObject({
      status: "approved",
      tool: "billing.issue_refund",
      decision: { decidedBy: "ana@example.com", via: "slack", rationale: "Refund eligibility confirmed." },
    });
    const call = await w.t.call("GET", `/v1/tool-calls/${approval.body.toolCallId}`, { key: w.agentKey });
    expect(call.body).toMatchObject({
      status: "succeeded",
      attempts: 1,
      input: { ticket: "T-HOLD", amount: 42 },
    });
  });

  it("rejected: the result names who rejected it and why; the server never sees it", async () => {
    const held = billing.callTool({ name: "issue_refund", arguments: { ticket: "T-REJECT", amount: 9 } });
    const approvalId = await cardFor(w, "T-REJECT");
    await w.decideInSlack(approvalId, "reject", "Outside the refund window.");
    const result: Result = await held;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      new RegExp(
        `^Countersign: billing.issue_refund was rejected by ana@example.com at \\S+ via slack: “Outside the refund window.”\\. It was not run\\. \\(approval ${approvalId}\\)$`,
      ),
    );
    expect(upstreamCount(w.files, "issue_refund", "T-REJECT")).toBe(0);
  });

  it("timed out: nobody decided within the rule's timeout; the result says so and nothing ran", async () => {
    const result: Result = await billing.callTool({
      name: "issue_refund",
      arguments: { ticket: "QUICK-1", amount: 1 },
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      /^Countersign: billing.issue_refund was denied: its approval timed out at .+: no decision within 3 s\. It was not run\./,
    );
    expect(upstreamCount(w.files, "issue_refund", "QUICK-1")).toBe(0);
  });

  it("the client gives up before the decision: the approval stands; repeats attach to it, then get its outcome, with no second card and one run", async () => {
    const args = { ticket: "T-RETRY", amount: 15 };
    // The SDK's default is 60 s; a shorter timeout has the same meaning (it sends notifications/cancelled).
    await expect(
      billing.callTool({ name: "issue_refund", arguments: args }, CallToolResultSchema, { timeout: 800 }),
    ).rejects.toThrow(/Request timed out/);
    const approvalId = await cardFor(w, "T-RETRY");
    const pending = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.agentKey });
    expect(pending.body.status).toBe("pending");

    // A repeat while it is pending attaches: no second card, and it gets the outcome when decided.
    const repeat = billing.callTool({ name: "issue_refund", arguments: args });
    await new Promise((r) => setTimeout(r, 300));
    expect(cardsAbout(w, "T-RETRY")).toHaveLength(1);
    await w.decideInSlack(approvalId, "approve", "Confirmed with the customer.");
    expect(text(await repeat)).toBe("Refunded 15 EUR for T-RETRY");

    // A repeat after the decision gets the outcome again, saying when it ran and who approved it.
    const again: Result = await billing.callTool({ name: "issue_refund", arguments: args });
    expect(again.isError).toBeUndefined();
    expect(again.content[0]).toEqual({ type: "text", text: "Refunded 15 EUR for T-RETRY" });
    expect(again.content[1].text).toMatch(
      /^Countersign: this is the outcome of an identical call made at .+ \(call-[0-9a-f]+, approved by ana@example\.com at \S+ via slack\)\. It ran at .+, and was not run again for this request\.$/,
    );
    expect(upstreamCount(w.files, "issue_refund", "T-RETRY")).toBe(1);
    expect(cardsAbout(w, "T-RETRY")).toHaveLength(1);
    const rows = await w.t.database.db
      .select()
      .from(toolCalls)
      .where(eq(toolCalls.tool, "billing.issue_refund"));
    expect(rows.filter((r) => (r.input as Body).ticket === "T-RETRY")).toHaveLength(1);
  });

  it("follows the server's tool list: its list_changed reaches the client, and the new tool is classified and callable", async () => {
    let changed = 0;
    billing.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    expect(text(await billing.callTool({ name: "open_desk", arguments: {} }))).toBe("Desk open");
    await expect.poll(() => changed, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    expect((await billing.listTools()).tools.map((t) => t.name)).toContain("desk_report");
    expect(text(await billing.callTool({ name: "desk_report", arguments: {} }))).toBe("3 refunds today");
    const view = await w.t.call("GET", "/v1/mcp/servers/billing", { key: w.t.adminKey });
    expect(view.body.tools).toContainEqual({
      name: "billing.desk_report",
      tool: "desk_report",
      sideEffects: { level: "read_only", idempotent: true, requiresApproval: false },
      classifiedBy: "annotations",
      hints: { readOnlyHint: true },
    });
  });

  it("a server that dies mid-session is restarted; while it cannot start, calls are told why", async () => {
    const { readFileSync, writeFileSync, rmSync } = await import("node:fs");
    const firstPid = Number(readFileSync(w.files.pid, "utf8"));
    process.kill(firstPid, "SIGKILL");
    // Killed: the next call waits for the restart (up to connectTimeoutMs, 8 s here) and is answered.
    const after: Result = await billing.callTool({
      name: "get_balance",
      arguments: { account: "ACC-RESTART" },
    });
    expect(text(after)).toBe("Balance of ACC-RESTART: 1200.00 EUR");
    expect(Number(readFileSync(w.files.pid, "utf8"))).not.toBe(firstPid);

    // Killed and unable to start again: told plainly, with the server's own last words.
    writeFileSync(w.files.broken, "");
    try {
      process.kill(Number(readFileSync(w.files.pid, "utf8")), "SIGKILL");
      const down: Result = await billing.callTool({
        name: "get_balance",
        arguments: { account: "ACC-DOWN" },
      });
      expect(down.isError).toBe(true);
      expect(text(down)).toMatch(
        /^Countersign: billing.get_balance was not run: MCP server billing is unavailable: the server process exited during start-up; its stderr ended with: billing: cannot open the ledger \(broken on purpose\) \(since \S+; next attempt in \d+ s\)$/,
      );
    } finally {
      rmSync(w.files.broken, { force: true });
    }
    await expect
      .poll(
        async () => text(await billing.callTool({ name: "get_balance", arguments: { account: "ACC-BACK" } })),
        {
          timeout: 15_000,
          interval: 200,
        },
      )
      .toBe("Balance of ACC-BACK: 1200.00 EUR");
    const servers = await w.t.call("GET", "/v1/mcp/servers/billing", { key: w.t.adminKey });
    expect(servers.body).toMatchObject({ status: "connected" });
    expect(servers.body.restarts).toBeGreaterThanOrEqual(2);
  });

  return () => w;
}
