// npm run conformance:mcp [-- --scenario NAME]: the MCP conformance suite (@modelcontextprotocol/conformance,
// server mode) against Countersign's /mcp/everything, fronting @modelcontextprotocol/server-everything
// over stdio with a policy that allows every one of its tools, beside the same suite run straight against
// server-everything's own HTTP endpoint; it prints both per scenario and exits 1 where Countersign fails a
// check more than the server alone. Run by
// hand, not in CI: it downloads the suite with npx and takes a few minutes. The suite's client sends no Authorization header, so a small proxy in front adds the
// agent key (and passes every other header as it came, Host and Origin included). Node 20 lacks the
// fs.globSync the suite's CLI imports for its triage commands; glob-sync-shim.mjs stands in for it.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
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

// The baseline: the same suite straight against server-everything's own Streamable HTTP endpoint, so a
// check that fails through Countersign and not there is the gateway's doing.
const port = await freePort();
const direct = spawn(process.execPath, [everything, "streamableHttp"], {
  env: { ...process.env, PORT: String(port) },
  stdio: ["ignore", "ignore", "pipe"],
});
await new Promise<void>((resolve) =>
  direct.stderr!.on("data", (d: Buffer) => d.includes("listening") && resolve()),
);

console.log(`server-everything directly at http://127.0.0.1:${port}/mcp`);
const own = await runSuite(`http://127.0.0.1:${port}/mcp`, path.join(dir, "direct"), false);
console.log(`countersign /mcp/everything at ${url} (the agent key added on the way)`);
const via = await runSuite(url, path.join(dir, "via"), true);

console.log("\nscenario                         server-everything   through Countersign");
for (const [scenario, v] of via) {
  const d = own.get(scenario);
  const cell = (r?: Tally) => (r ? `${r.passed} passed, ${r.failed} failed` : "not run").padEnd(20);
  const differs = !d
    ? ""
    : v.failed > d.failed
      ? "   <- fails more"
      : v.failed < d.failed
        ? "   <- fails less"
        : "";
  console.log(`${scenario.padEnd(32)} ${cell(d)}${cell(v)}${differs}`);
}
console.log("\nWhy each check failed through Countersign:");
for (const [scenario, v] of via) for (const f of v.failures) console.log(`  ${scenario}: ${f}`);

direct.kill();
proxy.close();
await app.stop();
rmSync(dir, { recursive: true, force: true });
const worse = [...via].some(([scenario, v]) => v.failed > (own.get(scenario)?.failed ?? 0));
process.exit(worse ? 1 : 0);

interface Tally {
  passed: number;
  failed: number;
  failures: string[];
}

/** Runs the suite's server scenarios against `target`; the checks of each scenario, tallied. */
async function runSuite(target: string, out: string, show: boolean): Promise<Map<string, Tally>> {
  await new Promise<number>((resolve) => {
    const run = spawn(
      "npx",
      ["--yes", SUITE, "server", "--url", target, "-o", out, ...process.argv.slice(2)],
      {
        stdio: show ? "inherit" : "ignore",
        env: { ...process.env, NODE_OPTIONS: `--import ${path.join(here, "glob-sync-shim.mjs")}` },
      },
    );
    run.on("exit", (status) => resolve(status ?? 1));
  });
  const tallies = new Map<string, Tally>();
  for (const entry of existsSync(out) ? readdirSync(out).sort() : []) {
    const file = path.join(out, entry, "checks.json");
    if (!existsSync(file)) continue;
    const scenario = entry.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "");
    const checks = JSON.parse(readFileSync(file, "utf8")) as {
      id: string;
      status: string;
      errorMessage?: string;
    }[];
    const failing = checks.filter((c) => c.status === "FAILURE");
    tallies.set(scenario, {
      passed: checks.filter((c) => c.status === "SUCCESS").length,
      failed: failing.length,
      failures: failing.map((c) => `${c.id}: ${c.errorMessage ?? ""}`),
    });
  }
  return tallies;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
