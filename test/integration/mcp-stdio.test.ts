// The MCP gateway as a desktop client configured with a command sees it: the official SDK Client over
// stdio to `countersign mcp stdio SERVER`, which bridges to /mcp/SERVER with COUNTERSIGN_KEY (the shared
// cases in test/helpers/mcp-cases.ts), and how the bridge reports a key the server refuses.

import { rmSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { mcpCases } from "../helpers/mcp-cases.ts";
import { mcpYaml, upstreamFiles } from "../helpers/mcp-world.ts";
import { agentAndAnaKeys, serverFixture } from "../helpers/server-fixture.ts";
import { startServerProcess } from "../helpers/server-process.ts";

const CLI = path.resolve(import.meta.dirname, "../../bin/countersign.mjs");

describe(`MCP gateway through countersign mcp stdio (${backend})`, () => {
  const world = mcpCases((w, server) => w.stdio(server));

  /** Starts the bridge with these variables; answers the client (if it connected) and its stderr. */
  async function bridgeWith(env: Record<string, string>) {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp", "stdio", "billing"],
      env: { PATH: process.env.PATH ?? "", ...env },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const client = new Client({ name: "desktop", version: "1" });
    const connected = await client.connect(transport).then(
      () => undefined,
      (err: Error) => err,
    );
    await client.close().catch(() => {});
    return { error: connected, stderr };
  }

  it("tells the desktop client, and stderr, that the server refused the key: an unknown one 401, an operator's 403", async () => {
    const w = world();
    const missing = await bridgeWith({ COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: "csk_agent_not-a-key" });
    expect(missing.error?.message).toContain("refused the key (401): the API key is not valid");
    expect(missing.stderr).toContain(`countersign mcp: ${w.t.url}/mcp/billing refused the key (401)`);

    const operator = await w.t.operatorKey("ana@example.com");
    const wrongKind = await bridgeWith({ COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: operator });
    expect(wrongKind.error?.message).toContain(
      "refused the key (403): an operator key cannot call POST /mcp/:server; it needs an agent key",
    );
  });

  it("without COUNTERSIGN_KEY exits 1 before speaking, saying which key it needs", async () => {
    const { spawnSync } = await import("node:child_process");
    const run = spawnSync(process.execPath, [CLI, "mcp", "stdio", "billing"], {
      env: { PATH: process.env.PATH ?? "", COUNTERSIGN_URL: world().t.url },
      input: "",
      encoding: "utf8",
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("no API key: set COUNTERSIGN_KEY to an agent key");
  });
});

// Two server starts: slower than the rest, so its own (bounded) timeout.
describe(`countersign mcp stdio across a server restart (${backend})`, () => {
  it("opens a new session by itself when the restarted server no longer knows the bridge's", {
    timeout: 60_000,
  }, async () => {
    const files = upstreamFiles();
    const fixture = await serverFixture("mcp-restart", mcpYaml(files), "mcp-restart-admin-key-0123456789");
    let server = await startServerProcess(fixture.env);
    const { agent } = await agentAndAnaKeys(server, fixture.adminKey);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, "mcp", "stdio", "billing"],
      env: { PATH: process.env.PATH ?? "", COUNTERSIGN_URL: server.url, COUNTERSIGN_KEY: agent },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const desktop = new Client({ name: "desktop", version: "1" });
    try {
      await desktop.connect(transport);
      expect((await desktop.listTools()).tools.map((t) => t.name)).toContain("get_balance");
      await server.stop();
      server = await startServerProcess({ ...fixture.env, PORT: String(server.port) });
      const result = await desktop.callTool({ name: "get_balance", arguments: { account: "ACC-AFTER" } });
      expect(result.content).toEqual([{ type: "text", text: "Balance of ACC-AFTER: 1200.00 EUR" }]);
      expect(stderr).toContain("the server no longer knows this session; opening a new one");
    } finally {
      await desktop.close().catch(() => {});
      await server.stop();
      await fixture.remove();
      rmSync(files.dir, { recursive: true, force: true });
    }
  });
});
