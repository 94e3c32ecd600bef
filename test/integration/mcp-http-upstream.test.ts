// An McpServer reached over Streamable HTTP (server-everything in its HTTP mode): its tools served as
// with stdio; a restarted upstream, which no longer knows Countersign's session, is reconnected without
// the agent noticing; one that stays down is reported by its address.
import { type ChildProcess, spawn } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { EVERYTHING_SERVER } from "../helpers/mcp-world.ts";
import { resourcesYaml, API_VERSION as V } from "../helpers/resource-yaml.ts";
import { freePort } from "../helpers/server-process.ts";

// biome-ignore lint/suspicious/noExplicitAny: results are checked by assertions
const text = (r: any): string => r.content.map((c: { text?: string }) => c.text ?? "").join("\n");

/** server-everything listening for Streamable HTTP on `port`, until killed. */
async function everythingOverHttp(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [EVERYTHING_SERVER, "streamableHttp"], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => d.toString().includes("listening") && resolve());
    child.once("exit", (code) => reject(new Error(`server-everything exited with ${code}`)));
  });
  return child;
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });

describe(`an McpServer over Streamable HTTP (${backend})`, () => {
  let port: number;
  let upstream: ChildProcess;
  let t: TestApp;
  let agent: Client;

  beforeAll(async () => {
    port = await freePort();
    upstream = await everythingOverHttp(port);
    t = await startTestApp({
      onlyYaml: resourcesYaml(
        `${V}
kind: McpServer
metadata: { name: remote }
spec:
  transport: { type: http, url: "http://127.0.0.1:${port}/mcp" }
  connectTimeoutMs: 5000`,
        `${V}\nkind: Agent\nmetadata: { name: support-bot }\n`,
      ),
      app: { gateway: { mcp: { backoffMs: 100, maxBackoffMs: 500 } } },
    });
    agent = new Client({ name: "agent", version: "1" });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp/remote`), {
        requestInit: { headers: { authorization: `Bearer ${await t.agentKey("support-bot")}` } },
      }),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await t?.close();
    if (upstream) await stop(upstream);
  });

  it("serves its read-only tools and answers them", async () => {
    expect((await agent.listTools()).tools.map((t) => t.name)).toContain("echo");
    expect(text(await agent.callTool({ name: "echo", arguments: { message: "over http" } }))).toBe(
      "Echo: over http",
    );
  });

  it("reconnects to a restarted server, which no longer knows the session, without the agent noticing", async () => {
    await stop(upstream);
    upstream = await everythingOverHttp(port);
    expect(text(await agent.callTool({ name: "echo", arguments: { message: "again" } }))).toBe("Echo: again");
    const view = await t.call("GET", "/v1/mcp/servers/remote", { key: t.adminKey });
    expect(view.body).toMatchObject({ status: "connected", transport: `http: http://127.0.0.1:${port}/mcp` });
    expect(view.body.restarts).toBeGreaterThanOrEqual(1);
  });

  it("names the address when the server stays down", async () => {
    await stop(upstream);
    const down = await agent.callTool({ name: "echo", arguments: { message: "anyone?" } });
    expect(down.isError).toBe(true);
    expect(text(down)).toMatch(
      new RegExp(
        `^Countersign: remote.echo was not run: MCP server remote is unavailable: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
      ),
    );
  });
});
