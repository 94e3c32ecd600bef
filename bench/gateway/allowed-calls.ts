// Part (a): allowed calls through the gateway, beside the same calls made straight to the tool endpoint
// and through the bare proxy (bare-proxy-server.ts: a key check and a forward, nothing else). The bare
// proxy and the gateway take turns, ROUNDS times, and each figure sums its turns: a shared machine slows
// down and speeds up over seconds, and a slow spell then falls on both rather than on one of them.
import type { ServerProcess } from "../../test/helpers/server-process.ts";
import type { Backend } from "./backends.ts";
import type { BareProxy } from "./bare-proxy.ts";
import { type Answer, send } from "./client.ts";
import { measureCpu } from "./proc.ts";
import { GOALS, ms, percentile } from "./report.ts";

export const RUN_MS = 3_000;
/** Turns each of the bare proxy and the gateway takes, of RUN_MS each. */
export const ROUNDS = 3;
/** Part (a)'s concurrent agents: the lone call's latency, and throughput under load. */
const AGENT_COUNTS = (process.env.BENCH_AGENTS ?? "1,64").split(",").map(Number);

interface Load {
  perSecond: number;
  p50: number;
  p99: number;
}

/** Calls and their latencies, and what the server process and PostgreSQL spent on them. */
interface Turns {
  latencies: number[];
  serverS: number;
  serverSystemS: number;
  postgresS: number;
  /** calls per second of each turn, to show how much the turns differed. */
  perTurn: number[];
}

const noTurns = (): Turns => ({
  latencies: [],
  serverS: 0,
  serverSystemS: 0,
  postgresS: 0,
  perTurn: [],
});

function summary(latencies: number[], runMs: number): Load {
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / (runMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** `concurrency` workers calling `fn` back to back for RUN_MS; each call timed on its own. */
async function timedCalls(concurrency: number, fn: () => Promise<Answer>): Promise<number[]> {
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
  return latencies;
}

const load = async (concurrency: number, fn: () => Promise<Answer>) =>
  summary(await timedCalls(concurrency, fn), RUN_MS);

/** One more turn of calls through `pid`'s server, added to `into`. */
async function turn(into: Turns, pid: number, database: string | undefined, calls: () => Promise<number[]>) {
  const { result, serverS, serverSystemS, postgresS } = await measureCpu(pid, database, calls);
  into.latencies.push(...result);
  into.serverS += serverS;
  into.serverSystemS += serverSystemS;
  into.postgresS += postgresS;
  into.perTurn.push(result.length / (RUN_MS / 1000));
}

const rate = (l: Load) => `${l.perSecond.toFixed(0).padStart(6)}/s`;
const check = (met: boolean) => (met ? "✓" : "✗");

export async function allowedCalls(
  server: ServerProcess,
  key: string,
  toolUrl: string,
  b: Backend,
  bare: BareProxy,
) {
  const input = { tool: "ticket.triage", input: { ticket: "T-1" } };
  const direct = () => send(`${toolUrl}/triage`, "POST", undefined, input.input);
  const viaBare = () => send(`${bare.url}/v1/tool-calls`, "POST", bare.key, input);
  const viaGateway = () => send(`${server.url}/v1/tool-calls`, "POST", key, input);
  await load(8, viaGateway); // warm-up: JIT, connection pools, key cache
  await load(8, viaBare);
  for (const concurrency of AGENT_COUNTS) {
    const d = await load(concurrency, direct);
    const bareTurns = noTurns();
    const gatewayTurns = noTurns();
    for (let round = 0; round < ROUNDS; round++) {
      await turn(bareTurns, bare.proc.pid!, undefined, () => timedCalls(concurrency, viaBare));
      await turn(gatewayTurns, server.proc.pid!, b.database, () => timedCalls(concurrency, viaGateway));
    }
    const p = { ...bareTurns, result: summary(bareTurns.latencies, ROUNDS * RUN_MS) };
    const g = { ...gatewayTurns, result: summary(gatewayTurns.latencies, ROUNDS * RUN_MS) };
    const perCall = (seconds: number, t: Turns) => `${((seconds / t.latencies.length) * 1e6).toFixed(0)} µs`;
    const row = (name: string, l: Load) =>
      `${name} ${rate(l)} p50 ${ms(l.p50)} p99 ${ms(l.p99)}` +
      (l === d ? "" : ` (added p50 ${ms(l.p50 - d.p50)} p99 ${ms(l.p99 - d.p99)})`);
    console.log(`  ${b.name.padEnd(8)} ${String(concurrency).padStart(2)} agents | ${row("direct", d)}`);
    console.log(`  ${" ".repeat(8)}           | ${row("bare proxy", p.result)}`);
    console.log(`  ${" ".repeat(8)}           | ${row("gateway", g.result)}`);
    if (concurrency > 1) {
      const share = g.result.perSecond / p.result.perSecond;
      const turns = g.perTurn.map((n, i) => `${((n / p.perTurn[i]!) * 100).toFixed(0)} %`).join(", ");
      console.log(
        `  ${" ".repeat(8)}           | gateway throughput ${(share * 100).toFixed(0)} % of the bare proxy's ` +
          `(turn by turn: ${turns}), ${((g.result.perSecond / d.perSecond) * 100).toFixed(0)} % of direct ` +
          `${check(share >= GOALS.throughputShare)} goal ≥ ${GOALS.throughputShare * 100} % of the bare proxy's`,
      );
    } else {
      const ratio = (g.result.p50 - d.p50) / (p.result.p50 - d.p50);
      console.log(
        `  ${" ".repeat(8)}           | gateway added p50 ${ratio.toFixed(2)}× the bare proxy's ` +
          `${check(ratio <= GOALS.addedP50Ratio)} goal ≤ ${GOALS.addedP50Ratio}×`,
      );
    }
    console.log(
      `  ${" ".repeat(8)}           | CPU per call: bare proxy ${perCall(p.serverS, p)} ` +
        `(${perCall(p.serverSystemS, p)} in the kernel), gateway ${perCall(g.serverS, g)} ` +
        `(${perCall(g.serverSystemS, g)} in the kernel)` +
        (b.database ? ` + PostgreSQL backends ${perCall(g.postgresS, g)}` : " (PGlite runs inside it)"),
    );
  }
}
