// Sweeper under a backlog: the time to expire 10,000 overdue approvals on PostgreSQL, and the p99 of API
// calls made meanwhile next to the p99 of the same calls with no sweep running, in the same run.
// Run: npm run bench -- sweeper   (PostgreSQL at DATABASE_URL, else COUNTERSIGN_TEST_DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/postgres; a fresh database is created beside it and dropped after).
//
// The API and the sweeper share one process, as they do in a single replica, so the sweep competes with
// requests for the event loop as well as for the database. The load is a few clients in a loop, each
// alternating GET /v1/approvals/{id} and POST /v1/approvals/{id} (a decision, which also appends to the
// audit chain the sweep appends to) on approvals that are not overdue. The delivery dispatcher is
// stopped: the card refreshes the sweep queues are a separate cost, paced by the chat platforms.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import pg from "pg";
import { createApp } from "../bot/app.ts";
import { loadConfig } from "../bot/config.ts";
import { queryRows } from "../db/open.ts";
import { createKey } from "../gateway/keys.ts";

const BACKLOG = 10_000;
const LIVE = 8_000;
const CLIENTS = 4;
const BASELINE_REQUESTS = 3_000;
const GOAL = { seconds: 10, p99Ratio: 2 };

const baseUrl =
  process.env.DATABASE_URL ||
  process.env.COUNTERSIGN_TEST_DATABASE_URL ||
  "postgres://postgres@127.0.0.1:5432/postgres";

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Approvals in bulk SQL, each with two posted cards. Overdue ones also have a waiting tool call (its
 * denial is part of an expiry's cost); live ones have none, so approving them runs nothing.
 */
function seedSql(prefix: string, count: number, createdMin: number, expiresMin: number) {
  const at = (min: number) => sql.raw(`now() + interval '${min} minutes'`);
  const withCalls = expiresMin < 0;
  return sql`
    WITH n AS (SELECT g FROM generate_series(1, ${count}) AS g),
    calls AS (
      INSERT INTO tool_calls (id, agent, tool, input, request_hash, status, approval_id)
      SELECT ${prefix} || g, 'support-bot', 'refund.issue', '{}', md5(g::text), 'waiting_for_approval',
             'approval-' || ${prefix} || g FROM n WHERE ${withCalls} RETURNING id),
    cards AS (
      INSERT INTO deliveries (approval_id, purpose, platform, channel, target, message_ref, status,
                              shown_version, want_version)
      SELECT 'approval-' || ${prefix} || g, 'card', p.platform, p.channel, 'T', g::text, 'posted', 1, 1
      FROM n, (VALUES ('slack', 'slack:#billing-approvals'), ('email', 'email:billing-leads@example.com'))
        AS p(platform, channel) RETURNING id)
    INSERT INTO approvals (id, status, agent, tool, action, tool_call_id, approvers, approver_refs, channels,
                           timeout_minutes, sla_at_risk_at, sla_breach_at, created_at, expires_at)
    SELECT 'approval-' || ${prefix} || g, 'pending', 'support-bot', 'refund.issue', 'refund.issue',
           CASE WHEN ${withCalls} THEN ${prefix} || g END, '["ana@example.com"]', '["team:billing-leads"]',
           '["slack:#billing-approvals","email:billing-leads@example.com"]', '60',
           ${at(createdMin + 30)}, ${at(createdMin + 48)}, ${at(createdMin)}, ${at(expiresMin)}
    FROM n`;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function main() {
  const name = `cs_bench_${randomBytes(4).toString("hex")}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "countersign-bench-"));
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    PORT: "0",
    COUNTERSIGN_DATA_DIR: dataDir,
    COUNTERSIGN_RESOURCES: path.resolve(import.meta.dirname, "../resources"),
    COUNTERSIGN_ADMIN_KEY: `bench-admin-${randomBytes(12).toString("hex")}`,
    // Sweeps run only when the benchmark says so.
    COUNTERSIGN_SWEEP_CRON: "0 0 1 1 *",
    LOG_LEVEL: "warn",
  });
  const app = await createApp(config, { say: () => {} });
  try {
    const base = await app.start();
    await app.sweeper.idle();
    await app.dispatcher.stop();
    const { db } = app.deps.database;
    await db.execute(seedSql("call-overdue-", BACKLOG, -61, -1));
    await db.execute(seedSql("call-live-", LIVE, 0, 60));
    await db.execute(sql`ANALYZE`);
    const key = await createKey(db, { kind: "operator", subject: "ana@example.com" });

    let nextLive = 0;
    const request = async (i: number): Promise<number> => {
      const id = `approval-call-live-${(nextLive++ % LIVE) + 1}`;
      const decideIt = i % 2 === 1;
      const start = performance.now();
      const res = await fetch(`${base}/v1/approvals/${id}`, {
        method: decideIt ? "POST" : "GET",
        headers: {
          authorization: `Bearer ${key}`,
          ...(decideIt && { "content-type": "application/json" }),
        },
        body: decideIt ? JSON.stringify({ decision: "approve", rationale: "bench" }) : undefined,
      });
      await res.arrayBuffer();
      const ms = performance.now() - start;
      if (res.status !== 200) throw new Error(`${decideIt ? "POST" : "GET"} ${id} answered ${res.status}`);
      return ms;
    };
    /** CLIENTS loops of requests until `done()`; returns every latency. */
    const load = async (done: () => boolean): Promise<number[]> => {
      const samples: number[] = [];
      let i = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (!done()) samples.push(await request(i++));
        }),
      );
      return samples;
    };

    let n = 0;
    await load(() => n++ >= 300); // warm-up
    let m = 0;
    const quiet = await load(() => m++ >= BASELINE_REQUESTS);

    let sweeping = true;
    const sweepStart = performance.now();
    const [result, busy] = await Promise.all([
      app.sweeper.runOnce().finally(() => {
        sweeping = false;
      }),
      load(() => !sweeping),
    ]);
    const sweepSeconds = (performance.now() - sweepStart) / 1000;

    const [check] = await queryRows<{ expired: number; timeouts: number }>(
      db,
      sql`SELECT (SELECT count(*)::int FROM approvals WHERE status = 'expired') AS expired,
                 (SELECT count(*)::int FROM decisions WHERE kind = 'timeout') AS timeouts`,
    );
    if (result.expired !== BACKLOG || check?.expired !== BACKLOG || check.timeouts !== BACKLOG) {
      throw new Error(`expected ${BACKLOG} expiries, got ${JSON.stringify({ result, check })}`);
    }

    const row = (label: string, s: number[]) =>
      `${label.padEnd(22)}${String(s.length).padStart(9)}${percentile(s, 0.5).toFixed(2).padStart(10)}${percentile(s, 0.99).toFixed(2).padStart(10)}`;
    const ratio = percentile(busy, 0.99) / percentile(quiet, 0.99);
    console.log(`sweeper backlog, PostgreSQL, node ${process.version}, API and sweeper in one process`);
    console.log(
      `backlog: ${BACKLOG.toLocaleString("en")} overdue approvals expired in ${sweepSeconds.toFixed(2)} s`,
    );
    console.log(`API calls (${CLIENTS} clients, GET and POST /v1/approvals/{id} alternating):`);
    console.log(`${"".padEnd(22)}${"calls".padStart(9)}${"p50 ms".padStart(10)}${"p99 ms".padStart(10)}`);
    console.log(row("no sweep", quiet));
    console.log(row("during the sweep", busy));
    console.log(
      `goal: backlog ≤ ${GOAL.seconds} s: ${sweepSeconds <= GOAL.seconds ? "met" : "NOT met"}; ` +
        `API p99 ≤ ${GOAL.p99Ratio}× (${ratio.toFixed(2)}×): ${ratio <= GOAL.p99Ratio ? "met" : "NOT met"}`,
    );
  } finally {
    await app.stop();
    await app.deps.database.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

await main();
