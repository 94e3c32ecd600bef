// Start-up cost, side by side in one run: wall time and peak RSS of
//   node -e 0                         the baseline: Node itself
//   countersign --version             the CLI's own start-up
//   countersign approvals ls          a real command against a running server
//   first start (fresh data folder)   countersign serve until /healthz answers 200, embedded database
//   later start (same folder)         the same, on the folder the first start made
// Goals: CLI commands ≤ 4× node -e 0; first start ≤ 3 s and ≤ 450 MB; later starts ≤ 400 MB.
// `countersign` is `node bin/countersign.mjs` (what the npm bin runs; npx adds npm's own start-up).
// Run: npm run bench -- startup [runs]   (default 10 runs of each command, 3 of each start)
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../test/helpers/server-process.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin", "countersign.mjs");
const RUNS = Number(process.argv[2] ?? 10);
const START_RUNS = 3;
const GOALS = { cliRatio: 4, firstStartS: 3, firstStartMb: 450, laterStartMb: 400 };

const work = mkdtempSync(path.join(tmpdir(), "countersign-bench-startup-"));
// Each measured process writes its peak RSS and the CPU it used when it exits (a one-line preload, loaded
// by --require). CPU time is what the machine's other load inflates least, so it is printed beside wall time.
const PRELOAD = path.join(work, "usage.cjs");
writeFileSync(
  PRELOAD,
  `process.on("exit", () => { const u = process.resourceUsage(); require("node:fs").writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ kb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })); });\n`,
);

interface Reading {
  seconds: number;
  mb: number;
  cpuSeconds: number;
}

function spawnMeasured(args: string[], env: Record<string, string>, rssFile: string): ChildProcess {
  return spawn(process.execPath, ["--require", PRELOAD, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", BENCH_RSS_FILE: rssFile, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", resolve),
  );
function usage(file: string): { mb: number; cpuSeconds: number } {
  const { kb, cpuUs } = JSON.parse(readFileSync(file, "utf8")) as { kb: number; cpuUs: number };
  return { mb: kb / 1024, cpuSeconds: cpuUs / 1e6 };
}

/** A command run to its end: from spawn to exit. */
async function command(args: string[], env: Record<string, string> = {}): Promise<Reading> {
  const rssFile = path.join(work, "rss");
  const started = performance.now();
  const child = spawnMeasured(args, env, rssFile);
  let output = "";
  child.stderr!.on("data", (d) => {
    output += d;
  });
  child.stdout!.resume();
  const code = await exited(child);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}:\n${output}`);
  return { seconds, ...usage(rssFile) };
}

interface Server {
  url: string;
  child: ChildProcess;
  /** Spawn → /healthz 200. */
  seconds: number;
  /** SIGTERM, wait, and the peak RSS and CPU over its life. */
  stop(): Promise<{ mb: number; cpuSeconds: number }>;
}

async function serve(dataDir: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const rssFile = path.join(work, `rss-${port}`);
  const started = performance.now();
  const child = spawnMeasured(
    [BIN, "serve"],
    { PORT: String(port), COUNTERSIGN_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    rssFile,
  );
  let output = "";
  child.stdout!.on("data", (d) => {
    output += d;
  });
  child.stderr!.on("data", (d) => {
    output += d;
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${output}`);
    const res = await fetch(`${url}/healthz`).catch(() => undefined);
    if (res?.status === 200) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const seconds = (performance.now() - started) / 1000;
  if (output.includes("initdb ran instead"))
    throw new Error(`no usable PGlite seed: run npm run build\n${output}`);
  return {
    url,
    child,
    seconds,
    async stop() {
      child.kill("SIGTERM");
      await exited(child);
      return usage(rssFile);
    },
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function repeat(n: number, once: () => Promise<Reading>): Promise<Reading> {
  const readings: Reading[] = [];
  for (let i = 0; i < n; i++) readings.push(await once());
  return {
    seconds: median(readings.map((r) => r.seconds)),
    mb: Math.max(...readings.map((r) => r.mb)),
    cpuSeconds: median(readings.map((r) => r.cpuSeconds)),
  };
}

async function firstStart(): Promise<Reading> {
  const dir = mkdtempSync(path.join(work, "data-"));
  const server = await serve(dir);
  return { seconds: server.seconds, ...(await server.stop()) };
}

try {
  console.log(
    `startup: load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, ${RUNS} runs per command`,
  );
  // A server to run `approvals ls` against, holding a few pending approvals from the reference resources.
  const dataDir = mkdtempSync(path.join(work, "data-"));
  const running = await serve(dataDir);
  const adminKey = readFileSync(path.join(dataDir, "admin.key"), "utf8").trim();
  const agent = await fetch(`${running.url}/v1/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ agent: "support-bot" }),
  }).then((r) => r.json() as Promise<{ key: string }>);
  for (let i = 0; i < 5; i++) {
    await fetch(`${running.url}/v1/tool-calls`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent.key}`, "content-type": "application/json" },
      body: JSON.stringify({ tool: "refund.issue", input: { ticket: `T-${i}`, amount: 10 } }),
    });
  }
  const cliEnv = { COUNTERSIGN_URL: running.url, COUNTERSIGN_KEY: adminKey };

  const baseline = await repeat(RUNS, () => command(["-e", "0"]));
  const version = await repeat(RUNS, () => command([BIN, "--version"]));
  const ls = await repeat(RUNS, () => command([BIN, "approvals", "ls"], cliEnv));
  await running.stop();
  const first = await repeat(START_RUNS, firstStart);
  const later = await repeat(START_RUNS, async () => {
    const server = await serve(dataDir);
    return { seconds: server.seconds, ...(await server.stop()) };
  });

  const ratio = (r: Reading) => r.seconds / baseline.seconds;
  const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
  const rows: [string, Reading, string][] = [
    ["node -e 0 (baseline)", baseline, ""],
    [
      "countersign --version",
      version,
      `≤ ${GOALS.cliRatio}× baseline: ${verdict(ratio(version) <= GOALS.cliRatio)}`,
    ],
    [
      "countersign approvals ls",
      ls,
      `≤ ${GOALS.cliRatio}× baseline: ${verdict(ratio(ls) <= GOALS.cliRatio)}`,
    ],
    [
      "first start → /healthz",
      first,
      `≤ ${GOALS.firstStartS} s and ≤ ${GOALS.firstStartMb} MB: ` +
        verdict(first.seconds <= GOALS.firstStartS && first.mb <= GOALS.firstStartMb),
    ],
    [
      "later start → /healthz",
      later,
      `≤ ${GOALS.laterStartMb} MB: ${verdict(later.mb <= GOALS.laterStartMb)}`,
    ],
  ];
  console.log(
    `\n${"".padEnd(26)} ${"wall (median)".padStart(14)} ${"× node".padStart(7)} ${"CPU".padStart(8)} ` +
      `${"peak RSS".padStart(9)}  goal`,
  );
  for (const [name, r, goal] of rows) {
    console.log(
      `${name.padEnd(26)} ${`${(r.seconds * 1000).toFixed(0)} ms`.padStart(14)} ${ratio(r).toFixed(1).padStart(6)}× ` +
        `${`${(r.cpuSeconds * 1000).toFixed(0)} ms`.padStart(8)} ${`${r.mb.toFixed(0)} MB`.padStart(9)}  ${goal}`,
    );
  }
  console.log(
    "\nwall and CPU: medians (CPU of a server: its whole life, start to stop); peak RSS: the highest of the " +
      "runs; starts are timed from spawn until /healthz answers 200",
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
