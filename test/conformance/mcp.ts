// npm run conformance:mcp [-- --scenario NAME]: the MCP conformance suite (@modelcontextprotocol/conformance,
// server mode) against Countersign's /mcp/everything, fronting @modelcontextprotocol/server-everything
// over stdio with a policy that allows every one of its tools. Run by hand, not in CI: it downloads the
// suite with npx. The suite's client sends no Authorization header, so a small proxy in front adds the
// agent key (and passes every other header as it came, Host and Origin included). Node 20 lacks the
// fs.globSync the suite's CLI imports for its triage commands; glob-sync-shim.mjs stands in for it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp } from "../../bot/app.ts";
import { loadConfig } from "../../bot/config.ts";
import { createKey } from "../../gateway/keys.ts";

const SUITE = "@modelcontextprotocol/conformance@0.1.16";
const here = import.meta.dirname;
const everything = path.resolve(
  here,
  "../../node_modules/@modelcontextprotocol/server-everything/dist/index.js",
);

const dir = mkdtempSync(path.join(tmpdir(), "countersign-conformance-"));
const resources = path.join(dir, "resources.yaml");
writeFileSync(
  resources,
  `apiVersion: countersign.dev/v1alpha1
kind: McpServer
metadata: { name: everything }
spec:
  transport: { type: stdio, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(everything)}, stdio] }
---
apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: conformance }
spec:
  rules:
    - { when: { tool.name: "everything.*" }, action: allow }
---
apiVersion: countersign.dev/v1alpha1
kind: Agent
metadata: { name: conformance }
`,
);

const config = loadConfig({
  PORT: "0",
  COUNTERSIGN_DATA_DIR: dir,
  COUNTERSIGN_RESOURCES: resources,
  COUNTERSIGN_ADMIN_KEY: `conformance-admin-${Math.random().toString(36).slice(2)}-key`,
  LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
});
const app = await createApp(config, { say: () => {} });
const base = new URL(await app.start());
const key = await createKey(app.deps.database.db, { kind: "agent", subject: "conformance" });

const proxy = http.createServer((req, res) => {
  const upstream = http.request(
    {
      host: base.hostname,
      port: base.port,
      path: req.url,
      method: req.method,
      headers: { ...req.headers, authorization: `Bearer ${key}` },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => res.destroy());
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
});
await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp/everything`;
console.log(`countersign /mcp/everything at ${url} (the agent key added on the way)`);

const code = await new Promise<number>((resolve) => {
  const run = spawn(
    "npx",
    ["--yes", SUITE, "server", "--url", url, "-o", path.join(dir, "results"), ...process.argv.slice(2)],
    {
      stdio: "inherit",
      env: { ...process.env, NODE_OPTIONS: `--import ${path.join(here, "glob-sync-shim.mjs")}` },
    },
  );
  run.on("exit", (status) => resolve(status ?? 1));
});

// Why each failing check failed, in the suite's words (the summary above only counts them).
const results = path.join(dir, "results");
for (const scenario of existsSync(results) ? readdirSync(results).sort() : []) {
  const file = path.join(results, scenario, "checks.json");
  if (!existsSync(file)) continue;
  const checks = JSON.parse(readFileSync(file, "utf8")) as {
    id: string;
    status: string;
    errorMessage?: string;
  }[];
  for (const c of checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING")) {
    console.log(
      `${scenario.replace(/^server-|-\d{4}-.*$/g, "")}: ${c.status} ${c.id}: ${c.errorMessage ?? ""}`,
    );
  }
}

proxy.close();
await app.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(code);
