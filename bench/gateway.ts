// The gateway's costs, measured against baselines taken in the same run (npm run bench -- gateway):
//   (a) allowed calls through the gateway against the same calls made straight to the tool endpoint and
//       through a bare proxy (a key check and a forward with the gateway's HTTP client, no database), at 1
//       and 64 concurrent agents, on PGlite and on PostgreSQL: throughput and added p50/p99;
//   (b) decision → waiting agent resumed, p50/p99 over 200 approvals, beside a 5-second fixed poll;
//   (c) 10,000 agents long-polling one server process: its resident memory, and how soon all resume.
// Three event loops, so none measures the others' work: the server runs as its own process
// (`countersign serve`, as in production), the tool endpoint in a worker thread, and the load generator
// on this thread. PostgreSQL: COUNTERSIGN_TEST_DATABASE_URL or DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/test; a fresh database is created beside it and dropped after.
// BENCH_ONLY=a|b|c runs one part; BENCH_BACKEND=pglite|postgres one database; BENCH_AGENTS=1,64 sets
// part (a)'s concurrencies; BENCH_CPU_PROF=DIR has each server process write a V8 CPU profile
// (open it in Chrome DevTools); BENCH_WAITERS=N changes part (c)'s 10,000.
// The parts and their plumbing live in bench/gateway/.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { gatewayYaml } from "../test/helpers/gateway-resources.ts";
import { allowedCalls, ROUNDS, RUN_MS } from "./gateway/allowed-calls.ts";
import { type Backend, pgliteBackend, postgresBackend } from "./gateway/backends.ts";
import { startBareProxy } from "./gateway/bare-proxy.ts";
import { agent } from "./gateway/client.ts";
import { resumeLatency } from "./gateway/resume.ts";
import { withServer } from "./gateway/server.ts";
import { startTool } from "./gateway/tool-endpoint.ts";
import { manyWaiters, WAITERS } from "./gateway/waiters.ts";

const ONLY = process.env.BENCH_ONLY;
const ONLY_BACKEND = process.env.BENCH_BACKEND;

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-bench-"));
  const tool = await startTool();
  const resources = path.join(dir, "resources.yaml");
  writeFileSync(resources, gatewayYaml(tool.url));
  const backends: Backend[] = ONLY_BACKEND === "postgres" ? [] : [pgliteBackend()];
  const postgres = ONLY_BACKEND === "pglite" ? undefined : await postgresBackend();
  if (postgres) backends.push(postgres);
  const load1 = () => loadavg()[0]!.toFixed(2);
  console.log(`load average (1 min) at start: ${load1()} on ${availableParallelism()} cores`);
  try {
    if (!ONLY || ONLY === "a") {
      console.log(
        `(a) allowed calls (ticket.triage): direct to the tool (${RUN_MS / 1000} s), then through the bare proxy ` +
          `and through the gateway in turns (${ROUNDS} × ${RUN_MS / 1000} s each)`,
      );
      const bare = await startBareProxy(tool.url);
      try {
        for (const b of backends)
          await withServer(b, resources, dir, (s, k) => allowedCalls(s, k.agent, tool.url, b, bare));
      } finally {
        await bare.stop();
      }
    }
    if (!ONLY || ONLY === "b") {
      console.log("(b) decision → waiting agent resumed (GET /v1/approvals/{id}?wait=60), 200 approvals");
      for (const b of backends) await withServer(b, resources, dir, (s, k) => resumeLatency(s, k, b.name));
    }
    if (!ONLY || ONLY === "c") {
      const big = postgres ?? backends[0]!;
      console.log(`(c) ${WAITERS} agents long-polling one server process (${big.name})`);
      await withServer(big, resources, dir, (s, k) => manyWaiters(s, k, big.name));
    }
    console.log(`load average (1 min) at end: ${load1()}`);
  } finally {
    await tool.close();
    for (const b of backends) await b.drop();
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
  }
}

await main();
