// Part (b): how soon an agent long-polling its approval resumes once the approval is decided.
import type { ServerProcess } from "../../test/helpers/server-process.ts";
import { createApprovals, send } from "./client.ts";
import { GOALS, ms, percentile } from "./report.ts";
import type { Keys } from "./server.ts";

export async function resumeLatency(server: ServerProcess, keys: Keys, backend: string) {
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
