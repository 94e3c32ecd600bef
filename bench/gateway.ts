// The gateway's costs, measured against baselines taken in the same run (npm run bench -- gateway):
//   (a) allowed calls through the gateway against the same calls made straight to the tool endpoint,
//       at 1 and 64 concurrent agents, on PGlite and on PostgreSQL: throughput and added p50/p99;
//   (b) decision → waiting agent resumed, p50/p99 over 200 approvals, beside a 5-second fixed poll;
//   (c) 10,000 agents long-polling one server process: its resident memory, and how soon all resume.
// Three event loops, so none measures the others' work: the server runs as its own process
// (`countersign serve`, as in production), the tool endpoint in a worker thread, and the load generator
// on this thread. PostgreSQL: COUNTERSIGN_TEST_DATABASE_URL or DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/test; a fresh database is created beside it and dropped after.
// BENCH_ONLY=a|b|c runs one part; BENCH_CPU_PROF=DIR has each server process write a V8 CPU profile
// (open it in Chrome DevTools); BENCH_WAITERS=N changes part (c)'s 10,000.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { gatewayYaml } from "../test/helpers/gateway-resources.ts";
import { type ServerProcess, startServerProcess } from "../test/helpers/server-process.ts";

const GOALS = {
  addedP99Ms: 5,
  pgCallsPerSecond: 1_500,
  resumeP99Ms: 50,
  waitersMb: 300,
  allResumedMs: 1_000,
};
const RUN_MS = 3_000;
const ADMIN_KEY = `bench-admin-key-${randomBytes(8).toString("hex")}`;
const WAITERS = Number(process.env.BENCH_WAITERS ?? 10_000);
const ONLY = process.env.BENCH_ONLY;
const CPU_PROF = process.env.BENCH_CPU_PROF;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read by the benchmark
  body: any;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function send(url: string, method: string, key: string | undefined, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(key && { authorization: `Bearer ${key}` }),
          ...(payload && {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

/**
 * The local tool: answers every POST with a small JSON body, as fast as node:http can, on a worker
 * thread of its own so that the load generator's event loop never delays its answers.
 */
const TOOL_SOURCE = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"queue":"billing","priority":"p2"}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});`;

async function startTool(): Promise<{ url: string; close: () => Promise<void> }> {
  const worker = new Worker(TOOL_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      const exited = new Promise<void>((r) => worker.once("exit", () => r()));
      worker.postMessage("close");
      return exited;
    },
  };
}

interface Load {
  perSecond: number;
  p50: number;
  p99: number;
}

/** `concurrency` workers calling `fn` back to back for RUN_MS; each call timed on its own. */
async function load(concurrency: number, fn: () => Promise<Answer>): Promise<Load> {
  const latencies: number[] = [];
  const end = performance.now() + RUN_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await fn();
        if (res.status !== 200) throw new Error(`call failed: ${res.status} ${JSON.stringify(res.body)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / (RUN_MS / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

interface Backend {
  name: "pglite" | "postgres";
  env: Record<string, string>;
  /** The bench's own PostgreSQL database, whose backend processes' CPU is counted. */
  database?: string;
  drop: () => Promise<void>;
}

async function postgresBackend(): Promise<Backend | undefined> {
  const base =
    process.env.COUNTERSIGN_TEST_DATABASE_URL ||
    process.env.DATABASE_URL ||
    "postgres://postgres@127.0.0.1:5432/test";
  const name = `cs_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    console.log(`PostgreSQL at ${base} not usable (${(err as Error).message}): PostgreSQL rows skipped.`);
    return undefined;
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name: "postgres",
    env: { DATABASE_URL: url.toString() },
    database: name,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Node 20 refuses --cpu-prof in NODE_OPTIONS, so the server is handed this module instead: it starts the
 * V8 profiler through the inspector and writes the profile as the process exits (SIGTERM stops it cleanly).
 */
function cpuProfileHook(dir: string): string {
  const source = `
import { Session } from "node:inspector";
import { mkdirSync, writeFileSync } from "node:fs";
const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.start");
process.on("exit", () => {
  session.post("Profiler.stop", (err, res) => {
    if (err) return;
    mkdirSync(${JSON.stringify(dir)}, { recursive: true });
    writeFileSync(${JSON.stringify(dir)} + "/server-" + process.pid + ".cpuprofile", JSON.stringify(res.profile));
  });
});`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/PID/stat times, on Linux

/** CPU seconds (user + system) each process has used so far; processes gone are left out. */
function cpuSeconds(pids: number[]): Map<number, number> {
  const used = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      used.set(pid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    } catch {}
  }
  return used;
}

/** The PostgreSQL backends serving `database` (their command line names it). */
function backendPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(` ${database} `)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/**
 * CPU the server process (and, on PostgreSQL, the database's backends) spent while `fn` ran: a cost per
 * call that the machine's other load does not inflate the way it inflates latency.
 */
async function measureCpu<T>(
  serverPid: number,
  database: string | undefined,
  fn: () => Promise<T>,
): Promise<{ result: T; serverS: number; postgresS: number }> {
  const before = cpuSeconds([serverPid, ...(database ? backendPids(database) : [])]);
  const result = await fn();
  const after = cpuSeconds([serverPid, ...(database ? backendPids(database) : [])]);
  let serverS = 0;
  let postgresS = 0;
  for (const [pid, s] of after) {
    const spent = s - (before.get(pid) ?? 0);
    if (pid === serverPid) serverS = spent;
    else postgresS += spent;
  }
  return { result, serverS, postgresS };
}

/** Resident memory now (VmRSS) or at its highest so far (VmHWM), in MB. */
function rssMb(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return line ? Number(line[1]) / 1024 : Number.NaN;
}

/**
 * Resolves once the server has taken in every waiter: its CPU use over half a second falls under 5%
 * (a long-poll costs nothing while it waits). A fixed pause can end while connections are still being
 * accepted, which measures fewer waiters than claimed. Gives up after 60 s.
 */
async function settled(pid: number): Promise<number> {
  const start = performance.now();
  let last = cpuSeconds([pid]).get(pid) ?? 0;
  while (performance.now() - start < 60_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds([pid]).get(pid) ?? 0;
    if (now - last < 0.025) break;
    last = now;
  }
  return performance.now() - start;
}

async function withServer<T>(
  backend: Backend,
  resources: string,
  dir: string,
  fn: (s: ServerProcess, keys: { agent: string; ana: string }) => Promise<T>,
): Promise<T> {
  const server = await startServerProcess(
    {
      ...backend.env,
      COUNTERSIGN_DATA_DIR: path.join(dir, backend.name),
      COUNTERSIGN_RESOURCES: resources,
      COUNTERSIGN_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: "error",
      ...(CPU_PROF && { NODE_OPTIONS: `--import=${cpuProfileHook(path.resolve(CPU_PROF))}` }),
    },
    120_000,
  );
  try {
    const agentKey = (await send(`${server.url}/v1/keys`, "POST", ADMIN_KEY, { agent: "support-bot" })).body
      .key;
    const ana = (await send(`${server.url}/v1/keys`, "POST", ADMIN_KEY, { operator: "ana@example.com" })).body
      .key;
    return await fn(server, { agent: agentKey, ana });
  } finally {
    await server.stop();
  }
}

async function allowedCalls(server: ServerProcess, key: string, toolUrl: string, b: Backend) {
  const backend = b.name;
  const direct = () => send(`${toolUrl}/triage`, "POST", undefined, { ticket: "T-1" });
  const viaGateway = () =>
    send(`${server.url}/v1/tool-calls`, "POST", key, { tool: "ticket.triage", input: { ticket: "T-1" } });
  await load(8, viaGateway); // warm-up: JIT, connection pools, key cache
  const rows: string[] = [];
  let pgThroughput = 0;
  for (const concurrency of [1, 64]) {
    const d = await load(concurrency, direct);
    const {
      result: g,
      serverS,
      postgresS,
    } = await measureCpu(server.proc.pid!, b.database, () => load(concurrency, viaGateway));
    const calls = g.perSecond * (RUN_MS / 1000);
    const perCall = (seconds: number) => `${((seconds / calls) * 1e6).toFixed(0)} µs`;
    if (concurrency === 64) pgThroughput = g.perSecond;
    const addedP99 = g.p99 - d.p99;
    rows.push(
      `  ${backend.padEnd(8)} ${String(concurrency).padStart(3)} agents | direct ${d.perSecond.toFixed(0).padStart(6)}/s ` +
        `p50 ${ms(d.p50)} p99 ${ms(d.p99)} | gateway ${g.perSecond.toFixed(0).padStart(6)}/s p50 ${ms(g.p50)} ` +
        `p99 ${ms(g.p99)} | added p50 ${ms(g.p50 - d.p50)} p99 ${ms(addedP99)}` +
        (concurrency === 64
          ? `  ${addedP99 <= GOALS.addedP99Ms ? "✓" : "✗"} goal ≤ ${GOALS.addedP99Ms} ms`
          : ""),
      `  ${" ".repeat(8)}     CPU per gateway call: server process ${perCall(serverS)}` +
        (b.database ? `, PostgreSQL backends ${perCall(postgresS)}` : " (PGlite runs inside it)"),
    );
  }
  for (const row of rows) console.log(row);
  if (backend === "postgres") {
    console.log(
      `  postgres throughput at 64 agents: ${pgThroughput.toFixed(0)} calls/s ` +
        `${pgThroughput >= GOALS.pgCallsPerSecond ? "✓" : "✗"} goal ≥ ${GOALS.pgCallsPerSecond}/s`,
    );
  }
}

/** Creates approvals through the API, `concurrency` at a time. */
async function createApprovals(server: ServerProcess, key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        const res = await send(`${server.url}/v1/approvals`, "POST", key, { action: `deploy.bench-${i}` });
        if (res.status !== 201) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
        ids.push(res.body.id);
      }
    }),
  );
  return ids;
}

async function resumeLatency(server: ServerProcess, keys: { agent: string; ana: string }, backend: string) {
  const ids = await createApprovals(server, keys.agent, 200);
  const resumed = new Map<string, { at: number; decidedAt: number }>();
  const waits = ids.map((id) =>
    send(`${server.url}/v1/approvals/${id}?wait=60`, "GET", keys.agent).then((res) => {
      if (res.body.status !== "approved") throw new Error(`resumed with ${res.body.status}`);
      resumed.set(id, { at: Date.now(), decidedAt: Date.parse(res.body.decision.decidedAt) });
    }),
  );
  await new Promise((r) => setTimeout(r, 1_000)); // every long-poll is held before the first decision
  const fromSent: number[] = [];
  const fromDecided: number[] = [];
  for (const id of ids) {
    const sent = Date.now();
    const res = await send(`${server.url}/v1/approvals/${id}`, "POST", keys.ana, {
      decision: "approve",
      rationale: "ok",
    });
    if (res.status !== 200) throw new Error(`decide failed: ${JSON.stringify(res.body)}`);
    while (!resumed.has(id)) await new Promise((r) => setImmediate(r));
    const r = resumed.get(id)!;
    fromSent.push(r.at - sent);
    fromDecided.push(r.at - r.decidedAt);
  }
  await Promise.all(waits);
  fromSent.sort((a, b) => a - b);
  fromDecided.sort((a, b) => a - b);
  const p99 = percentile(fromDecided, 99);
  console.log(
    `  ${backend.padEnd(8)} decidedAt → resumed: p50 ${ms(percentile(fromDecided, 50))} p99 ${ms(p99)} ` +
      `${p99 <= GOALS.resumeP99Ms ? "✓" : "✗"} goal ≤ ${GOALS.resumeP99Ms} ms | decide request sent → resumed: ` +
      `p50 ${ms(percentile(fromSent, 50))} p99 ${ms(percentile(fromSent, 99))} | a 5 s fixed poll: ` +
      "p50 2500 ms p99 4950 ms",
  );
}

async function manyWaiters(server: ServerProcess, keys: { agent: string; ana: string }, backend: string) {
  const pid = server.proc.pid!;
  const t0 = performance.now();
  const ids = await createApprovals(server, keys.agent, WAITERS);
  console.log(
    `  ${backend}: created ${WAITERS} approvals through the API in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const idle = rssMb(pid);
  const resumedAt = new Map<string, number>();
  const lags: number[] = [];
  let failures = 0;
  // Each agent long-polls as the SDK does: round after round until its approval is decided.
  const waits = ids.map(async (id) => {
    try {
      let res: Answer;
      do res = await send(`${server.url}/v1/approvals/${id}?wait=60`, "GET", keys.agent);
      while (res.body?.status === "pending");
      if (res.body?.status !== "approved") return void failures++;
      resumedAt.set(id, performance.now());
      lags.push(Date.now() - Date.parse(res.body.decision.decidedAt));
    } catch {
      failures++;
    }
  });
  const settling = await settled(pid);
  const waiting = rssMb(pid);
  const peak = rssMb(pid, "VmHWM");
  const start = performance.now();
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const res = await send(`${server.url}/v1/approvals/bulk-decide`, "POST", keys.ana, {
      ids: batch,
      decision: "approve",
      rationale: "bulk",
    });
    if (res.status !== 200) throw new Error(`bulk decide failed: ${JSON.stringify(res.body)}`);
  }
  const lastDecision = performance.now();
  await Promise.all(waits);
  const lastResumed = Math.max(...resumedAt.values());
  lags.sort((a, b) => a - b);
  const worst = lags.at(-1) ?? Number.NaN;
  console.log(
    `  ${backend}: server RSS ${idle.toFixed(0)} MB idle → ${waiting.toFixed(0)} MB with ${WAITERS} waiting ` +
      `${waiting <= GOALS.waitersMb ? "✓" : "✗"} goal < ${GOALS.waitersMb} MB (all held ` +
      `${(settling / 1000).toFixed(1)} s after they started; highest RSS so far ${peak.toFixed(0)} MB)`,
  );
  console.log(
    `  ${backend}: ${resumedAt.size}/${WAITERS} resumed (${failures} failed); deciding all took ` +
      `${(lastDecision - start).toFixed(0)} ms (${WAITERS / 200} bulk decisions of 200); last resumed ` +
      `${(lastResumed - lastDecision).toFixed(0)} ms after the last bulk decision answered; decidedAt → resumed: ` +
      `p50 ${ms(percentile(lags, 50))} p99 ${ms(percentile(lags, 99))} max ${ms(worst)} ` +
      `${worst <= GOALS.allResumedMs ? "✓" : "✗"} goal ≤ ${GOALS.allResumedMs} ms`,
  );
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-bench-"));
  const tool = await startTool();
  const resources = path.join(dir, "resources.yaml");
  writeFileSync(resources, gatewayYaml(tool.url));
  const backends: Backend[] = [{ name: "pglite", env: {}, drop: async () => {} }];
  const postgres = await postgresBackend();
  if (postgres) backends.push(postgres);
  const load1 = () => loadavg()[0]!.toFixed(2);
  console.log(`load average (1 min) at start: ${load1()} on ${availableParallelism()} cores`);
  try {
    if (!ONLY || ONLY === "a") {
      console.log(
        `(a) allowed calls (ticket.triage), gateway vs direct to the tool, ${RUN_MS / 1000} s each`,
      );
      for (const b of backends)
        await withServer(b, resources, dir, (s, k) => allowedCalls(s, k.agent, tool.url, b));
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
