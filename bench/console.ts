// The web console at 10,000 pending approvals, each figure beside a baseline measured in the same run:
//   (a) Pending's time to first byte for a signed-in person, page 1 and a deep page (page 100, by the
//       queue's keyset cursor), beside GET /v1/approvals with the same filter, order and page size
//       (status=pending, order=urgent, limit=50) and the same cursor; goal: ≤ 1.5× the API;
//   (b) a decision made through the API → the open page's pending-count badge updated: the time from
//       sending POST /v1/approvals/{id} to the Server-Sent Event on /console/events carrying the new
//       count, over 100 decisions; goal: p99 ≤ 1 s. The decision's own round trip is the baseline;
//   (c) where the page's time beyond the API's goes: each piece only the page does (the session and key
//       lookups, counting the pending approvals for the badge, rendering the HTML) timed on its own, beside
//       the query both share. The lookups and the count are what a page pays when nothing is held: the
//       session cache reads them at most once a second per session, the feed counts at most once a second
//       or after a change (bot/web/session-cache.ts, bot/web/feed.ts).
// Run: npm run bench -- console [samples]   (PGlite; COUNTERSIGN_TEST_DATABASE_URL=postgres://… for
// PostgreSQL)
//
// The server and the clients share one process, as in the other benches. The approvals are seeded in bulk
// SQL through the real schema; a session is made with the console's own session module, as a sign-in does.
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { queuePage } from "../blocks/html/queue.tsx";
import { SESSION_COOKIE } from "../bot/web/auth.ts";
import { createSession, findSession } from "../bot/web/sessions.ts";
import { hasOperatorKey } from "../gateway/keys.ts";
import { listQueue, pendingCount } from "../handlers/approvals/index.ts";
import { startTestApp } from "../test/helpers/app.ts";
import { backend } from "../test/helpers/db.ts";

const PENDING = 10_000;
const PAGE_SIZE = 50;
const DEEP_PAGE = 100;
const SAMPLES = Number(process.argv[2] ?? 60);
const DECISIONS = 100;
const GOAL = { ttfbRatio: 1.5, badgeP99Ms: 1000 };

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function line(name: string, ms: number[], baseline?: number[]): string {
  const ratio = baseline ? ` (p50 ${(pct(ms, 50) / pct(baseline, 50)).toFixed(2)}× baseline)` : "";
  return `${name.padEnd(52)} n=${ms.length} p50=${pct(ms, 50).toFixed(2)} ms p99=${pct(ms, 99).toFixed(2)} ms${ratio}`;
}

/** Milliseconds from sending the request to the first byte of the body; the rest is read and dropped. */
async function timeToFirstByte(url: string, headers: Record<string, string>): Promise<number> {
  const at = performance.now();
  const res = await fetch(url, { headers });
  const reader = res.body!.getReader();
  const first = await reader.read();
  const ms = performance.now() - at;
  if (res.status !== 200 || first.done) throw new Error(`GET ${url}: ${res.status}`);
  while (!(await reader.read()).done) {}
  return ms;
}

/** The pending counts an open page's event stream announces, each with when it arrived. */
class EventWatcher {
  private readonly seen: { pending: number; at: number }[] = [];
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();

  static async open(url: string, cookie: string): Promise<EventWatcher> {
    const w = new EventWatcher();
    const res = await fetch(url, {
      headers: { cookie, accept: "text/event-stream" },
      signal: w.abort.signal,
    });
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    void w.read(res.body!);
    return w;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split("\n").find((l) => l.startsWith("data: "));
          if (!event.includes("event: changed") || !data) continue;
          this.seen.push({ pending: JSON.parse(data.slice(6)).pending, at: performance.now() });
          for (const wake of this.waiters.splice(0)) wake();
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
  }

  /** When the first event announcing `pending` approvals arrived (waits for it, at most 10 s). */
  async arrivalOf(pending: number): Promise<number> {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const hit = this.seen.find((e) => e.pending === pending);
      if (hit) return hit.at;
      if (performance.now() > deadline) throw new Error(`no event announced ${pending} pending`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

const t = await startTestApp({ env: { LOG_LEVEL: "warn" } });
let watcher: EventWatcher | undefined;
const report: string[] = [];
try {
  const { db } = t.database;
  // Spread over two days of requests and deadlines, so "most urgent first" has an order to keep.
  const seededAt = performance.now();
  await db.execute(sql`
    INSERT INTO approvals (id, status, agent, tool, action, input, context, approvers, approver_refs, channels,
                           timeout_minutes, sla_at_risk_at, sla_breach_at, created_at, expires_at)
    SELECT 'approval-bench-' || lpad(g::text, 5, '0'), 'pending', 'support-bot', 'refund.issue', 'refund.issue',
           jsonb_build_object('ticket', 'T-' || g, 'amount', 10 + g % 490, 'currency', 'EUR',
                              'reason', 'customer reports a duplicate charge on invoice ' || g),
           jsonb_build_object('traceId', 'trace-' || g),
           '["ana@example.com","ben@example.com"]', '["team:billing-leads"]', '["slack:#billing-approvals"]',
           '2880', now() + (g % 97) * interval '1 minute', now() + (g % 97 + 20) * interval '1 minute',
           now() - (g % 1440) * interval '1 minute', now() + interval '1 day' + (g * 7 % 2880) * interval '1 minute'
    FROM generate_series(1, ${PENDING}) AS g`);
  await db.execute(sql`ANALYZE approvals`);
  const seedMs = performance.now() - seededAt;

  const anaKey = await t.operatorKey("ana@example.com");
  const session = await createSession(db, "ana@example.com", "link", new Date());
  // Like a browser, the page keeps the CSRF secret cookie the first page set.
  const first = await fetch(`${t.url}/console/approvals`, {
    headers: { cookie: `${SESSION_COOKIE}=${session.token}` },
  });
  await first.text();
  const cookie = [
    `${SESSION_COOKIE}=${session.token}`,
    ...first.headers.getSetCookie().map((c) => c.split(";")[0]!),
  ].join("; ");
  const bearer = { authorization: `Bearer ${anaKey}` };
  const apiUrl = (cursor?: string) =>
    `${t.url}/v1/approvals?status=pending&order=urgent&limit=${PAGE_SIZE}${cursor ? `&cursor=${cursor}` : ""}`;
  const pageUrl = (cursor?: string) => `${t.url}/console/approvals${cursor ? `?cursor=${cursor}` : ""}`;

  // The cursor that opens page DEEP_PAGE, walked once through the API (the console's links carry the same).
  let cursor: string | undefined;
  for (let p = 1; p < DEEP_PAGE; p++) {
    const res = await fetch(apiUrl(cursor), { headers: bearer });
    cursor = (await res.json()).nextCursor;
  }
  const deep = cursor!;
  const check = await (await fetch(pageUrl(deep), { headers: { cookie } })).text();
  const firstOnDeep = (await (await fetch(apiUrl(deep), { headers: bearer })).json()).items[0].id;
  if (!check.includes(firstOnDeep))
    throw new Error("the console's deep page does not show the API's deep page");

  // Interleaved, so both see the same machine load; the first rounds warm the JIT and the caches.
  const samples = {
    api1: [] as number[],
    page1: [] as number[],
    apiDeep: [] as number[],
    pageDeep: [] as number[],
  };
  for (let i = 0; i < SAMPLES + 10; i++) {
    const api1 = await timeToFirstByte(apiUrl(), bearer);
    const page1 = await timeToFirstByte(pageUrl(), { cookie });
    const apiDeep = await timeToFirstByte(apiUrl(deep), bearer);
    const pageDeep = await timeToFirstByte(pageUrl(deep), { cookie });
    if (i < 10) continue;
    samples.api1.push(api1);
    samples.page1.push(page1);
    samples.apiDeep.push(apiDeep);
    samples.pageDeep.push(pageDeep);
  }

  // (c) The pieces, each on its own, interleaved like the requests above.
  const deps = t.app.deps;
  const shown = await listQueue(deps, { status: "pending", order: "urgent", limit: PAGE_SIZE });
  const pieces = {
    query: [] as number[],
    session: [] as number[],
    count: [] as number[],
    render: [] as number[],
  };
  const timed = async (into: number[], fn: () => unknown, warm: boolean) => {
    const at = performance.now();
    await fn();
    if (!warm) into.push(performance.now() - at);
  };
  for (let i = 0; i < SAMPLES + 10; i++) {
    const warm = i < 10;
    await timed(
      pieces.query,
      () => listQueue(deps, { status: "pending", order: "urgent", limit: PAGE_SIZE }),
      warm,
    );
    await timed(
      pieces.session,
      async () => {
        await findSession(db, session.token, new Date());
        await hasOperatorKey(db, "ana@example.com", new Date());
      },
      warm,
    );
    await timed(pieces.count, () => pendingCount(deps), warm);
    await timed(
      pieces.render,
      () =>
        queuePage({
          viewer: { email: "ana@example.com", csrf: "x".repeat(52) },
          pending: PENDING,
          tab: "pending",
          filters: {},
          items: shown.items,
          decidable: () => true,
          nextCursor: shown.nextCursor,
          paged: false,
        }),
      warm,
    );
  }

  // (b) An open page's event stream; decisions through the API, one at a time, most urgent first.
  watcher = await EventWatcher.open(`${t.url}/console/events`, cookie);
  await watcher.arrivalOf(PENDING);
  const urgent = await fetch(`${t.url}/v1/approvals?status=pending&order=urgent&limit=${DECISIONS}`, {
    headers: bearer,
  });
  const toDecide: string[] = (await urgent.json()).items.map((a: { id: string }) => a.id);
  const roundTrip: number[] = [];
  const toBadge: number[] = [];
  for (const [i, id] of toDecide.entries()) {
    const sent = performance.now();
    const res = await fetch(`${t.url}/v1/approvals/${id}`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", rationale: "bench: duplicate charge confirmed" }),
    });
    if (res.status !== 200) throw new Error(`deciding ${id}: ${res.status} ${await res.text()}`);
    roundTrip.push(performance.now() - sent);
    toBadge.push((await watcher.arrivalOf(PENDING - i - 1)) - sent);
  }

  report.push(
    `console (${backend}, ${PENDING} pending seeded in ${(seedMs / 1000).toFixed(1)} s; ${SAMPLES} samples after 10 to warm up; page size ${PAGE_SIZE})`,
    line("baseline: GET /v1/approvals, page 1", samples.api1),
    line("Pending page, page 1: time to first byte", samples.page1, samples.api1),
    line(`baseline: GET /v1/approvals, page ${DEEP_PAGE}`, samples.apiDeep),
    line(`Pending page, page ${DEEP_PAGE}: time to first byte`, samples.pageDeep, samples.apiDeep),
    line("baseline: POST /v1/approvals/{id} round trip", roundTrip),
    line("decision → the open page's badge (SSE)", toBadge, roundTrip),
    line("shared by both: the queue query (listQueue)", pieces.query),
    line("page only, ≤ 1/s per session: session + key lookups", pieces.session, pieces.query),
    line(`page only, ≤ 1/s or per change: counting ${PENDING} pending`, pieces.count, pieces.query),
    line("page only: rendering 50 rows to HTML", pieces.render, pieces.query),
  );
  const ratio1 = pct(samples.page1, 50) / pct(samples.api1, 50);
  const ratioDeep = pct(samples.pageDeep, 50) / pct(samples.apiDeep, 50);
  report.push(
    `goal: Pending ≤ ${GOAL.ttfbRatio}× the API — page 1 ${ratio1.toFixed(2)}×, page ${DEEP_PAGE} ${ratioDeep.toFixed(2)}×: ${
      Math.max(ratio1, ratioDeep) <= GOAL.ttfbRatio ? "met" : "MISSED"
    }`,
    `goal: badge p99 ≤ ${GOAL.badgeP99Ms} ms — ${pct(toBadge, 99).toFixed(0)} ms: ${
      pct(toBadge, 99) <= GOAL.badgeP99Ms ? "met" : "MISSED"
    }`,
  );
} finally {
  watcher?.close();
  await t.close();
}
for (const l of report) console.log(l);
