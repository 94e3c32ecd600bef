// The MCP gateway's cost (npm run bench -- mcp): an allowed tools/call through Countersign's
// /mcp/SERVER against the same call made straight to the upstream MCP server, in one run, with 1 and 16
// concurrent clients (the official SDK Client over Streamable HTTP on both paths), on PGlite and, when
// it is usable, PostgreSQL. Goal: added p50 ≤ 2 ms at 1 client.
// Three event loops, so none measures the others' work: the gateway runs as its own process
// (`countersign serve`), the upstream on a worker thread, the clients on this thread. The two paths
// take turns (direct, gateway, direct, gateway) so drift in the machine's load falls on both alike.
// It also prints the CPU the gateway process spends per call, which other load skews far less than
// latency. PostgreSQL as in `npm run bench -- gateway`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { fetchWithoutSharedSignal } from "../gateway/execute/mcp/transport.ts";
import { type Backend, pgliteBackend, postgresBackend } from "./gateway/backends.ts";
import { measureCpu } from "./gateway/proc.ts";
import { ms, percentile } from "./gateway/report.ts";
import { withServer } from "./gateway/server.ts";

const TURN_MS = 2_500;
const GOAL_ADDED_P50_MS = 2;

async function startUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const worker = new Worker(new URL("./mcp/upstream-worker.mjs", import.meta.url));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => {
      const exited = new Promise<void>((r) => worker.once("exit", () => r()));
      worker.postMessage("close");
      return exited;
    },
  };
}

async function connect(n: number, url: string, key?: string): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const client = new Client({ name: "bench", version: "1" });
      const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
      // Each request's own abort signal, as the gateway's own client does (transport.ts): with the SDK's one
      // shared signal, Node's fetch piles a listener per call onto it until garbage collection.
      const transport = new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers },
        fetch: fetchWithoutSharedSignal,
      });
      await client.connect(transport);
      return client;
    }),
  );
}

/** Each client calls back to back for `forMs`; every call timed on its own. */
async function load(clients: Client[], forMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + forMs;
  await Promise.all(
    clients.map(async (client, i) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const result = await client.callTool({ name: "lookup", arguments: { ticket: `T-${i}` } });
        if (result.isError) throw new Error(`call failed: ${JSON.stringify(result)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { perSecond: sorted.length / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function compare(backend: Backend, gatewayUrl: string, pid: number, key: string, upstreamUrl: string) {
  for (const n of [1, 16]) {
    const direct = await connect(n, upstreamUrl);
    const via = await connect(n, `${gatewayUrl}/mcp/bench`, key);
    await load(direct, 500); // warm-up: JIT, connections, the key cache
    await load(via, 1_000);
    const d: number[] = [];
    const g: number[] = [];
    let serverS = 0;
    let postgresS = 0;
    for (let turn = 0; turn < 2; turn++) {
      d.push(...(await load(direct, TURN_MS)));
      const measured = await measureCpu(pid, backend.database, () => load(via, TURN_MS));
      g.push(...measured.result);
      serverS += measured.serverS;
      postgresS += measured.postgresS;
    }
    const seconds = (2 * TURN_MS) / 1000;
    const ds = summary(d, seconds);
    const gs = summary(g, seconds);
    const perCall = (s: number) => `${((s / g.length) * 1e6).toFixed(0)} µs`;
    console.log(
      `  ${backend.name.padEnd(8)} ${String(n).padStart(2)} client${n === 1 ? " " : "s"} | direct ${ds.perSecond.toFixed(0).padStart(5)}/s ` +
        `p50 ${ms(ds.p50)} p99 ${ms(ds.p99)} | gateway ${gs.perSecond.toFixed(0).padStart(5)}/s p50 ${ms(gs.p50)} ` +
        `p99 ${ms(gs.p99)} | added p50 ${ms(gs.p50 - ds.p50)} p99 ${ms(gs.p99 - ds.p99)} | gateway CPU ${perCall(serverS)}/call` +
        (backend.database ? `, PostgreSQL ${perCall(postgresS)}/call` : ""),
    );
    if (n === 1) {
      const added = gs.p50 - ds.p50;
      console.log(
        `    goal added p50 ≤ ${GOAL_ADDED_P50_MS} ms at 1 client: ${added <= GOAL_ADDED_P50_MS ? "met" : "missed"} (${ms(added)})`,
      );
    }
    await Promise.all([...direct, ...via].map((c) => c.close()));
  }
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-bench-mcp-"));
  const upstream = await startUpstream();
  const resources = path.join(dir, "resources.yaml");
  writeFileSync(
    resources,
    `apiVersion: countersign.dev/v1alpha1
kind: McpServer
metadata: { name: bench }
spec:
  transport: { type: http, url: ${JSON.stringify(upstream.url)} }
---
apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: bench }
spec:
  rules:
    - { when: { tool.name: "bench.*" }, action: allow }
---
apiVersion: countersign.dev/v1alpha1
kind: Agent
metadata: { name: support-bot, labels: { env: prod } }
`,
  );
  const backends: Backend[] = [pgliteBackend()];
  const postgres = await postgresBackend();
  if (postgres) backends.push(postgres);
  const load1 = () => loadavg()[0]!.toFixed(2);
  console.log(`load average (1 min) at start: ${load1()} on ${availableParallelism()} cores`);
  console.log(
    `allowed tools/call (lookup), through /mcp/bench vs straight to the upstream, ${(2 * TURN_MS) / 1000} s each in two turns`,
  );
  try {
    for (const b of backends) {
      await withServer(b, resources, dir, (s, k) => compare(b, s.url, s.proc.pid!, k.agent, upstream.url));
    }
    console.log(`load average (1 min) at end: ${load1()}`);
  } finally {
    await upstream.close();
    for (const b of backends) await b.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
