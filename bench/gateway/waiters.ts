// Part (c): many agents long-polling one server process: its memory, and how soon all of them resume.
import { readFileSync } from "node:fs";
import { roundSeconds } from "../../sdk/client.ts";
import type { ServerProcess } from "../../test/helpers/server-process.ts";
import { type Answer, createApprovals, send } from "./client.ts";
import { rssMb, settled } from "./proc.ts";
import { GOALS, ms, percentile } from "./report.ts";
import type { Keys } from "./server.ts";

export const WAITERS = Number(process.env.BENCH_WAITERS ?? 10_000);

export async function manyWaiters(server: ServerProcess, keys: Keys, backend: string) {
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
  /** Why a round did not answer: what an SDK agent would retry, and what it would give up on. */
  const retried = new Map<string, number>();
  const failed = new Map<string, number>();
  const tally = (m: Map<string, number>, why: string) => m.set(why, (m.get(why) ?? 0) + 1);
  let rounds = 0;
  // Each agent long-polls as the SDK does (sdk/client.ts): rounds of 22.5–27.5 s until its approval is
  // decided; a network error or a 5xx/429 answer pauses a second and asks again; anything else fails it.
  const waits = ids.map(async (id) => {
    for (;;) {
      let res: Answer;
      try {
        rounds++;
        res = await send(`${server.url}/v1/approvals/${id}?wait=${roundSeconds()}`, "GET", keys.agent);
      } catch (err) {
        tally(retried, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (res.status >= 500 || res.status === 429) {
        tally(retried, `HTTP ${res.status}`);
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (res.body?.status === "pending") continue;
      if (res.body?.status !== "approved") {
        failures++;
        return void tally(failed, `HTTP ${res.status} ${res.body?.status ?? JSON.stringify(res.body)}`);
      }
      resumedAt.set(id, performance.now());
      lags.push(Date.now() - Date.parse(res.body.decision.decidedAt));
      return;
    }
  });
  const settling = await settled(pid);
  const waiting = rssMb(pid);
  const peak = rssMb(pid, "VmHWM");
  const start = performance.now();
  /** When the bulk decision that decided each id answered: its decisions were committed by then. */
  const committedAt = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const res = await send(`${server.url}/v1/approvals/bulk-decide`, "POST", keys.ana, {
      ids: batch,
      decision: "approve",
      rationale: "bulk",
    });
    if (res.status !== 200) throw new Error(`bulk decide failed: ${JSON.stringify(res.body)}`);
    const answered = performance.now();
    for (const id of batch) committedAt.set(id, answered);
  }
  const lastDecision = performance.now();
  await Promise.all(waits);
  // decidedAt is stamped as a bulk decision starts and waiters can only hear it once that decision
  // commits, so decidedAt → resumed includes the bulk decision's own time; committed → resumed does not
  // (it is at most 0 for a waiter that resumed before the bulk answer reached the bench).
  const afterCommit = ids
    .map((id) => Math.max(0, resumedAt.get(id)! - committedAt.get(id)!))
    .sort((a, b) => a - b);
  const lastResumed = Math.max(...resumedAt.values());
  const list = (m: Map<string, number>) => [...m].map(([why, n]) => `${n}× ${why}`).join(", ") || "none";
  lags.sort((a, b) => a - b);
  const worst = lags.at(-1) ?? Number.NaN;
  console.log(
    `  ${backend}: server RSS ${idle.toFixed(0)} MB idle → ${waiting.toFixed(0)} MB with ${WAITERS} waiting ` +
      `(${(waiting - idle).toFixed(0)} MB added ${waiting - idle <= GOALS.waitersAddedMb ? "✓" : "✗"} goal ≤ ` +
      `${GOALS.waitersAddedMb} MB; all held ` +
      `${(settling / 1000).toFixed(1)} s after they started; highest RSS so far ${peak.toFixed(0)} MB)`,
  );
  console.log(
    `  ${backend}: ${rounds} long-poll requests; retried as the SDK would: ${list(retried)}; failed: ${list(failed)}; ` +
      `open-file limit: bench ${openFileLimit("self")}, server ${openFileLimit(String(pid))}`,
  );
  console.log(
    `  ${backend}: ${resumedAt.size}/${WAITERS} resumed (${failures} failed); deciding all took ` +
      `${(lastDecision - start).toFixed(0)} ms (${WAITERS / 200} bulk decisions of 200); last resumed ` +
      `${(lastResumed - lastDecision).toFixed(0)} ms after the last bulk decision answered; decidedAt → resumed: ` +
      `p50 ${ms(percentile(lags, 50))} p99 ${ms(percentile(lags, 99))} max ${ms(worst)}; ` +
      `its bulk decision answered → resumed: p50 ${ms(percentile(afterCommit, 50))} p99 ` +
      `${ms(percentile(afterCommit, 99))} max ${ms(afterCommit.at(-1) ?? Number.NaN)} ` +
      `${(afterCommit.at(-1) ?? Number.POSITIVE_INFINITY) <= GOALS.allResumedMs ? "✓" : "✗"} goal ≤ ${GOALS.allResumedMs} ms`,
  );
}

/** The soft RLIMIT_NOFILE of a process: each waiting agent holds a socket on both ends. */
function openFileLimit(pid: string): string {
  return readFileSync(`/proc/${pid}/limits`, "utf8").match(/^Max open files\s+(\d+|unlimited)/m)?.[1] ?? "?";
}
