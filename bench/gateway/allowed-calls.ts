// Part (a): allowed calls through the gateway, beside the same calls made straight to the tool endpoint
// and through the bare proxy (bare-proxy-server.ts: a key check and a forward, nothing else).
import type { ServerProcess } from "../../test/helpers/server-process.ts";
import type { Backend } from "./backends.ts";
import type { BareProxy } from "./bare-proxy.ts";
import { type Answer, send } from "./client.ts";
import { measureCpu } from "./proc.ts";
import { GOALS, ms, percentile } from "./report.ts";

export const RUN_MS = 3_000;
/** Part (a)'s concurrent agents: the lone call's latency, and throughput under load. */
const AGENT_COUNTS = (process.env.BENCH_AGENTS ?? "1,64").split(",").map(Number);

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
    const p = await measureCpu(bare.proc.pid!, undefined, () => load(concurrency, viaBare));
    const g = await measureCpu(server.proc.pid!, b.database, () => load(concurrency, viaGateway));
    const perCall = (seconds: number, l: Load) =>
      `${((seconds / (l.perSecond * (RUN_MS / 1000))) * 1e6).toFixed(0)} µs`;
    const row = (name: string, l: Load) =>
      `${name} ${rate(l)} p50 ${ms(l.p50)} p99 ${ms(l.p99)}` +
      (l === d ? "" : ` (added p50 ${ms(l.p50 - d.p50)} p99 ${ms(l.p99 - d.p99)})`);
    console.log(`  ${b.name.padEnd(8)} ${String(concurrency).padStart(2)} agents | ${row("direct", d)}`);
    console.log(`  ${" ".repeat(8)}           | ${row("bare proxy", p.result)}`);
    console.log(`  ${" ".repeat(8)}           | ${row("gateway", g.result)}`);
    if (concurrency > 1) {
      const share = g.result.perSecond / p.result.perSecond;
      console.log(
        `  ${" ".repeat(8)}           | gateway throughput ${(share * 100).toFixed(0)} % of the bare proxy's, ` +
          `${((g.result.perSecond / d.perSecond) * 100).toFixed(0)} % of direct ` +
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
      `  ${" ".repeat(8)}           | CPU per call: bare proxy ${perCall(p.serverS, p.result)} ` +
        `(${perCall(p.serverSystemS, p.result)} in the kernel), gateway ${perCall(g.serverS, g.result)} ` +
        `(${perCall(g.serverSystemS, g.result)} in the kernel)` +
        (b.database
          ? ` + PostgreSQL backends ${perCall(g.postgresS, g.result)}`
          : " (PGlite runs inside it)"),
    );
  }
}
