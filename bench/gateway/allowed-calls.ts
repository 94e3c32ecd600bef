// Part (a): allowed calls through the gateway against the same calls made straight to the tool endpoint.
import type { ServerProcess } from "../../test/helpers/server-process.ts";
import type { Backend } from "./backends.ts";
import { type Answer, send } from "./client.ts";
import { measureCpu } from "./proc.ts";
import { GOALS, ms, percentile } from "./report.ts";

export const RUN_MS = 3_000;

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

export async function allowedCalls(server: ServerProcess, key: string, toolUrl: string, b: Backend) {
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
