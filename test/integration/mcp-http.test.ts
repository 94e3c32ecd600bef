// The MCP gateway through the official SDK Client over Streamable HTTP at /mcp/SERVER (the shared cases
// in test/helpers/mcp-cases.ts), and what only HTTP shows: keys and sessions, server-everything answered
// as it answers directly, passed-through methods, identical calls racing, idempotency keys, tasks.
import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CallToolResultSchema,
  LATEST_PROTOCOL_VERSION,
  type Progress,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runCliInProcess } from "../helpers/cli.ts";
import { backend } from "../helpers/db.ts";
import { cardFor, cardsAbout, mcpCases } from "../helpers/mcp-cases.ts";
import { EVERYTHING_SERVER, upstreamCount } from "../helpers/mcp-world.ts";

// biome-ignore lint/suspicious/noExplicitAny: results are checked by assertions
type Result = any;
/** Any result, keys in the order they came: what "byte for byte" compares. */
const Raw = z.looseObject({});
const text = (r: Result): string => (r.content as { text?: string }[]).map((c) => c.text ?? "").join("\n");

describe(`MCP gateway over Streamable HTTP (${backend})`, () => {
  const world = mcpCases((w, server) => w.http(server));

  /** A raw POST to /mcp/SERVER: the status, headers and body as they came back. */
  async function post(server: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${world().t.url}/mcp/${server}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "raw", version: "1" },
    },
  };

  describe("keys and sessions", () => {
    it("no key 401, a key that is not an agent's 403, an unknown server 404, before anything else", async () => {
      const w = world();
      const none = await post("billing", initialize);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="countersign"');
      expect(JSON.parse(none.text)).toEqual({
        error: { code: "unauthorized", message: "missing Authorization: Bearer <key> header" },
      });
      const operator = await post("billing", initialize, {
        authorization: `Bearer ${await w.t.operatorKey("ana@example.com")}`,
      });
      expect(operator.status).toBe(403);
      expect(JSON.parse(operator.text).error.message).toContain(
        "an operator key cannot call POST /mcp/:server",
      );
      const admin = await post("billing", initialize, { authorization: `Bearer ${w.t.adminKey}` });
      expect(admin.status).toBe(403);
      const unknown = await post("payroll", initialize, { authorization: `Bearer ${w.agentKey}` });
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.text).error.message).toBe(
        "no McpServer named payroll (known: billing, everything)",
      );
      // The SDK client reports the same refusal.
      const client = new Client({ name: "no-key", version: "1" });
      const { StreamableHTTPClientTransport } = await import(
        "@modelcontextprotocol/sdk/client/streamableHttp.js"
      );
      await expect(
        client.connect(new StreamableHTTPClientTransport(new URL(`${w.t.url}/mcp/billing`))),
      ).rejects.toMatchObject({ code: 401, message: expect.stringContaining("missing Authorization") });
    });

    it("refuses a foreign Origin or Host before anything else (DNS rebinding protection)", async () => {
      const w = world();
      const raw = (headers: Record<string, string>) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const url = new URL(`${w.t.url}/mcp/billing`);
          const req = http.request(
            {
              host: url.hostname,
              port: url.port,
              path: url.pathname,
              method: "POST",
              headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                authorization: `Bearer ${w.agentKey}`,
                ...headers,
              },
            },
            (res) => {
              let body = "";
              res.on("data", (c) => (body += c));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end(JSON.stringify(initialize));
        });
      const rebound = await raw({ host: "evil.example.com", origin: "http://evil.example.com" });
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body).error.message).toContain(
        "Origin http://evil.example.com may not call the MCP endpoint (DNS rebinding protection)",
      );
      expect((await raw({ host: "evil.example.com" })).status).toBe(403);
      const local = await raw({
        host: `localhost:${new URL(w.t.url).port}`,
        origin: `http://localhost:${new URL(w.t.url).port}`,
      });
      expect(local.status).toBe(200);
    });

    it("refuses another agent's key on a session, and another agent's task", async () => {
      const w = world();
      const mine = await w.http("billing");
      const sessionId = (mine.transport as StreamableHTTPClientTransport).sessionId!;
      const hijack = await post(
        "billing",
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        {
          authorization: `Bearer ${w.otherKey}`,
          "mcp-session-id": sessionId,
          "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
        },
      );
      expect(hijack.status).toBe(403);
      expect(JSON.parse(hijack.text).error.message).toContain(
        `MCP session ${sessionId} belongs to another agent`,
      );

      const held = mine.callTool({ name: "issue_refund", arguments: { ticket: "T-OTHERS", amount: 3 } });
      const approvalId = await cardFor(w, "T-OTHERS");
      const theirs = await w.http("billing", w.otherKey);
      await expect(theirs.experimental.tasks.getTask(approvalId.slice("approval-".length))).rejects.toThrow(
        /Task not found/,
      );
      await w.decideInSlack(approvalId, "reject", "Not needed.");
      await held;
    });

    it("speaks 2025-11-25 and every older revision the official SDK speaks", async () => {
      const auth = { authorization: `Bearer ${world().agentKey}` };
      for (const version of SUPPORTED_PROTOCOL_VERSIONS) {
        const res = await post(
          "billing",
          { ...initialize, params: { ...initialize.params, protocolVersion: version } },
          auth,
        );
        expect(res.status).toBe(200);
        const answer = JSON.parse(/^data: (.*)$/m.exec(res.text)![1]!);
        expect(answer.result.protocolVersion, version).toBe(version);
      }
      expect(SUPPORTED_PROTOCOL_VERSIONS).toEqual([
        "2025-11-25",
        "2025-06-18",
        "2025-03-26",
        "2024-11-05",
        "2024-10-07",
      ]);
    });

    it("keeps an agent to 100 sessions per process: past it, its least recently used idle one is closed", async () => {
      const auth = { authorization: `Bearer ${world().otherKey}` };
      const opened: string[] = [];
      for (let i = 0; i < 101; i++) {
        const res = await post("billing", initialize, auth);
        expect(res.status).toBe(200);
        opened.push(res.headers.get("mcp-session-id")!);
      }
      const list = (id: string) =>
        post(
          "billing",
          { jsonrpc: "2.0", id: 9, method: "tools/list" },
          { ...auth, "mcp-session-id": id, "mcp-protocol-version": LATEST_PROTOCOL_VERSION },
        );
      expect((await list(opened[0]!)).status).toBe(404);
      expect((await list(opened[100]!)).status).toBe(200);
    });

    it("a body that is not JSON is a JSON-RPC parse error; a request without a session is refused; an unknown session is 404", async () => {
      const auth = { authorization: `Bearer ${world().agentKey}` };
      const garbled = await post("billing", "{not json", auth);
      expect(garbled.status).toBe(400);
      expect(JSON.parse(garbled.text)).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 }, id: null });
      const sessionless = await post("billing", { jsonrpc: "2.0", id: 3, method: "tools/list" }, auth);
      expect(sessionless.status).toBe(400);
      expect(JSON.parse(sessionless.text).error.message).toContain("Mcp-Session-Id header is required");
      const gone = await post(
        "billing",
        { jsonrpc: "2.0", id: 4, method: "tools/list" },
        { ...auth, "mcp-session-id": "nope" },
      );
      expect(gone.status).toBe(404);
      expect(JSON.parse(gone.text)).toMatchObject({ error: { code: -32001, message: "Session not found" } });
    });
  });

  describe("server-everything, which no one here wrote", () => {
    let direct: Client;
    let via: Client;
    beforeAll(async () => {
      direct = new Client({ name: "direct", version: "1" });
      await direct.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [EVERYTHING_SERVER, "stdio"],
          stderr: "pipe",
        }),
      );
      via = await world().http("everything");
    });
    afterAll(() => direct?.close());

    it("lists its tools as it does (the read-only ones: the rest no policy allows), each callable as a task", async () => {
      const own = (await direct.listTools()).tools;
      const listed = (await via.listTools()).tools;
      const readOnly = own.filter((t) => t.annotations?.readOnlyHint === true);
      expect(listed.map((t) => t.name)).toEqual(readOnly.map((t) => t.name));
      expect(listed).toEqual(
        readOnly.map((t) => ({ ...t, execution: { ...t.execution, taskSupport: "optional" } })),
      );
    });

    it("answers an allowed call byte for byte as the direct call answers", async () => {
      const calls = [
        { name: "echo", arguments: { message: "héllo ✓" } },
        { name: "get-sum", arguments: { a: 2, b: 40 } },
        { name: "get-structured-content", arguments: { location: "Chicago" } },
        { name: "get-tiny-image", arguments: {} },
        { name: "get-annotated-message", arguments: { messageType: "error", includeImage: true } },
        { name: "get-resource-links", arguments: { count: 2 } },
      ];
      for (const params of calls) {
        const expected = await direct.request({ method: "tools/call", params }, Raw);
        const got = await via.request({ method: "tools/call", params }, Raw);
        expect(JSON.stringify(got), params.name).toBe(JSON.stringify(expected));
      }
    });

    it("relays the server's progress while an allowed call runs, as the server reports it", async () => {
      const progressOf = async (client: Client) => {
        const heard: Progress[] = [];
        const result = await client.callTool(
          { name: "trigger-long-running-operation", arguments: { duration: 0.6, steps: 3 } },
          CallToolResultSchema,
          { onprogress: (p) => heard.push(p) },
        );
        expect(text(result)).toContain("Long running operation completed");
        return heard.map((p) => [p.progress, p.total]);
      };
      // The last report comes right before the answer, and the SDK client handles notifications a tick after
      // responses, so it may drop that one on either path; the ones before it always arrive.
      const steps = [
        [1, 3],
        [2, 3],
      ];
      expect((await progressOf(direct)).slice(0, 2)).toEqual(steps);
      expect((await progressOf(via)).slice(0, 2)).toEqual(steps);
    });

    it("passes resources, prompts, completions and ping through, answered as the server answers", async () => {
      const same = async (method: string, params?: Record<string, unknown>) => {
        const request = { method, ...(params && { params }) };
        expect(JSON.stringify(await via.request(request, Raw)), method).toBe(
          JSON.stringify(await direct.request(request, Raw)),
        );
      };
      await same("resources/list");
      await same("resources/templates/list");
      const { resources } = await direct.listResources();
      await same("resources/read", { uri: resources[0]!.uri });
      await same("prompts/list");
      await same("prompts/get", { name: "simple-prompt" });
      await same("completion/complete", {
        ref: { type: "ref/prompt", name: "completable-prompt" },
        argument: { name: "department", value: "En" },
      });
      expect(await via.ping()).toEqual({});
      // An error from the server comes back as its error.
      const theirs = await direct.readResource({ uri: "demo://nowhere/9" }).catch((e: Error) => e);
      const ours = await via.readResource({ uri: "demo://nowhere/9" }).catch((e: Error) => e);
      expect(ours).toMatchObject({ code: -32602, message: (theirs as Error).message });
    });
  });

  it("countersign describe mcp shows each server, reached or not, and its tools as policies judge them", async () => {
    const w = world();
    const env = { COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: await w.t.operatorKey("ana@example.com") };
    const one = await runCliInProcess(["describe", "mcp", "billing"], { env });
    expect(one.code).toBe(0);
    const lines = one.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^McpServer billing \(stdio: .+billing-server\.mjs\): connected since \S+, server billing-fixture 1\.0\.0/,
    );
    expect(lines.slice(1, 3).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ["TOOL", "SIDE EFFECT", "IDEMPOTENT", "APPROVAL", "CLASSIFIED BY"],
      ["billing.issue_refund", "financial", "no", "required", "spec.tools"],
    ]);
    const all = await runCliInProcess(["describe", "mcp", "-o", "json"], { env });
    expect(JSON.parse(all.stdout).items.map((v: { name: string }) => v.name)).toEqual([
      "billing",
      "everything",
    ]);
    const missing = await runCliInProcess(["describe", "mcp", "payroll"], { env });
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("no McpServer named payroll") });
    const agent = await runCliInProcess(["describe", "mcp"], {
      env: { ...env, COUNTERSIGN_KEY: w.agentKey },
    });
    expect(agent.code).toBe(1);
  });

  it("identical calls racing make one approval and one card; each gets the one run's result", async () => {
    const w = world();
    const client = await w.http("billing");
    const args = { ticket: "T-RACE", amount: 7 };
    const racing = Array.from({ length: 5 }, () =>
      client.callTool({ name: "issue_refund", arguments: args }),
    );
    const approvalId = await cardFor(w, "T-RACE");
    await new Promise((r) => setTimeout(r, 300));
    expect(cardsAbout(w, "T-RACE")).toHaveLength(1);
    await w.decideInSlack(approvalId, "approve", "Once is enough.");
    const results = await Promise.all(racing);
    expect(results.map((r) => text(r))).toEqual(Array(5).fill("Refunded 7 EUR for T-RACE"));
    expect(upstreamCount(w.files, "issue_refund", "T-RACE")).toBe(1);
  });

  it('_meta["countersign/idempotencyKey"] decides identity: the same key is the same call, another body with it is refused', async () => {
    const w = world();
    const client = await w.http("billing");
    const keyed = (amount: number) =>
      client.callTool({
        name: "issue_refund",
        arguments: { ticket: "T-KEYED", amount },
        _meta: { "countersign/idempotencyKey": "refund-T-KEYED" },
      });
    const first = keyed(11);
    const approvalId = await cardFor(w, "T-KEYED");
    const reused: Result = await keyed(12);
    expect(reused.isError).toBe(true);
    expect(text(reused)).toContain('Countersign: idempotencyKey "refund-T-KEYED" was already used for call');
    await w.decideInSlack(approvalId, "approve", "Keyed.");
    expect(text(await first)).toBe("Refunded 11 EUR for T-KEYED");
    expect(text(await keyed(11))).toBe("Refunded 11 EUR for T-KEYED");
    expect(upstreamCount(w.files, "issue_refund", "T-KEYED")).toBe(1);
    expect(cardsAbout(w, "T-KEYED")).toHaveLength(1);
  });

  it('_meta["countersign/requestedBy"] names the person the agent acts for, who may not approve it', async () => {
    const w = world();
    const client = await w.http("billing");
    await expect(
      client.callTool({
        name: "issue_refund",
        arguments: { ticket: "T-SELF", amount: 4 },
        _meta: { "countersign/requestedBy": "not an email" },
      }),
    ).rejects.toThrow(
      '_meta["countersign/requestedBy"]: must be the email address of the person the agent acts for',
    );
    const held = client.callTool({
      name: "issue_refund",
      arguments: { ticket: "T-SELF", amount: 4 },
      _meta: { "countersign/requestedBy": "Ana@Example.com" },
    });
    const approvalId = await cardFor(w, "T-SELF");
    const approval = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.agentKey });
    expect(approval.body.requestedBy).toBe("ana@example.com");
    const ana = await w.t.operatorKey("ana@example.com");
    const self = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: ana,
      body: { decision: "approve", rationale: "My own refund." },
    });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe("self_approval");
    const ben = await w.t.operatorKey("ben@example.com");
    const decided = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: ben,
      body: { decision: "approve", rationale: "Checked." },
    });
    expect(decided.status).toBe(200);
    expect(text(await held)).toBe("Refunded 4 EUR for T-SELF");
  });

  it("a task where the client asks for one: created at once, working while it waits, its result once approved; not cancellable", async () => {
    const w = world();
    const client = await w.http("billing");
    const stream = client.experimental.tasks.callToolStream(
      { name: "issue_refund", arguments: { ticket: "T-TASK", amount: 5 } },
      CallToolResultSchema,
      { task: { ttl: 60_000 } },
    );
    const first = await stream.next();
    expect(first.value).toMatchObject({ type: "taskCreated", task: { status: "working", ttl: null } });
    const taskId = (first.value as { task: { taskId: string } }).task.taskId;
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({
      taskId,
      status: "working",
      statusMessage: `waiting for approval approval-${taskId}`,
    });
    await expect(client.experimental.tasks.cancelTask(taskId)).rejects.toThrow(
      `Countersign tasks cannot be cancelled: its approval approval-${taskId} stands`,
    );
    await w.decideInSlack(`approval-${taskId}`, "approve", "Tasked.");
    let last: Result;
    for await (const message of stream) last = message;
    expect(last).toMatchObject({
      type: "result",
      result: { content: [{ type: "text", text: "Refunded 5 EUR for T-TASK" }] },
    });
    expect(await client.experimental.tasks.getTask(taskId)).toMatchObject({ status: "completed" });
    expect(upstreamCount(w.files, "issue_refund", "T-TASK")).toBe(1);
  });
});
