// Slack latency against the local fake Web API, on the real server and database:
//   click → views.open sent (goal p99 < 300 ms): Slack's trigger_id lives 3 s, so the modal must open fast;
//   decision submitted → every posted copy updated with chat.update (goal p99 < 1 s).
// Run: npm run bench -- slack [rounds]   (PGlite; COUNTERSIGN_TEST_DATABASE_URL=postgres://… for PostgreSQL)
import { backend } from "../test/helpers/db.ts";
import { seedApproval } from "../test/helpers/seed.ts";
import { about, startSlackWorld, USERS } from "../test/helpers/slack-request.ts";

const ROUNDS = Number(process.argv[2] ?? 100);
const GOALS = { openP99: 300, updateP99: 1000 };

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(name: string, ms: number[], goal: number): boolean {
  const s = [...ms].sort((a, b) => a - b);
  const p99 = pct(s, 99);
  const ratio =
    pct(s, 50) /
    pct(
      [...roundTrip].sort((a, b) => a - b),
      50,
    );
  console.log(
    `${name.padEnd(34)} n=${s.length} p50=${pct(s, 50).toFixed(1)} ms p95=${pct(s, 95).toFixed(1)} ms ` +
      `p99=${p99.toFixed(1)} ms max=${s.at(-1)!.toFixed(1)} ms (p50 ${ratio.toFixed(0)}× baseline)  ` +
      `goal p99 < ${goal} ms: ${p99 < goal ? "met" : "MISSED"}`,
  );
  return p99 < goal;
}

const w = await startSlackWorld();
const open: number[] = [];
const update: number[] = [];
// Baseline, measured in the same rounds: one bare loopback HTTP round trip to the fake Web API, the floor
// under "click → views.open" (a click is at least one request to us and one from us to Slack).
const roundTrip: number[] = [];
try {
  for (let i = 0; i < ROUNDS + 5; i++) {
    const id = await seedApproval(w.t.app.deps);
    await w.fake.waitFor("chat.postMessage", 2, about(id));
    const card = w.fake.records("chat.postMessage").find((r) => r.ok && about(id)(r.body))!;

    const clickAt = performance.now();
    await w.slack.click(USERS.ana, {
      actionId: "countersign.approve",
      value: id,
      channelId: card.reply.channel,
      messageTs: card.reply.ts,
    });
    await w.fake.waitFor("views.open", 1, about(id));
    const opened = w.fake.records("views.open").find((r) => r.ok && about(id)(r.body))!;

    const submitAt = performance.now();
    await w.slack.submit(USERS.ana, opened.reply.view, "Benchmark rationale.");
    await w.fake.waitFor("chat.update", 2, about(id));
    const updated = w.fake.records("chat.update").filter((r) => r.ok && about(id)(r.body));
    const tripAt = performance.now();
    await (await fetch(`${w.fake.url}auth.test`, { method: "POST" })).text();
    const trip = performance.now() - tripAt;
    // The first rounds warm up the JIT, the caches (users, channels) and the connection pool.
    if (i >= 5) {
      roundTrip.push(trip);
      open.push(opened.at - clickAt);
      update.push(Math.max(...updated.map((r) => r.at)) - submitAt);
    }
  }
} finally {
  await w.close();
}
console.log(`slack latency (${backend}, fake Web API on loopback, ${ROUNDS} rounds)`);
const base = [...roundTrip].sort((a, b) => a - b);
console.log(
  `${"baseline: one loopback round trip".padEnd(34)} n=${base.length} p50=${pct(base, 50).toFixed(1)} ms ` +
    `p99=${pct(base, 99).toFixed(1)} ms`,
);
const ok = [
  summary("click → views.open", open, GOALS.openP99),
  summary("decision → all copies updated", update, GOALS.updateP99),
];
process.exit(ok.every(Boolean) ? 0 : 1);
