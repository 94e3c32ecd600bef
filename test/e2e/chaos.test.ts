// Chaos on PostgreSQL: two server processes share one database while agents stream tool calls that need
// approval, two approvers decide them on whichever process answers, the sweeper expires the short ones,
// and each process is SIGKILLed and restarted a few times mid-stream. Afterwards nothing is lost or done
// twice: every approval has at most one final outcome (and one exactly when it is no longer pending),
// every approved refund (not idempotent) reached the tool at most once (once when it succeeded), no call
// is left `executing`, and the audit log's chain and signed checkpoints verify. Figures are printed.
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { callServer, type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const ADMIN_KEY = "chaos-test-admin-key-0123456789";
/** How long calls and decisions stream while processes are killed. */
const CHAOS_MS = 24_000;
const KILLS_PER_PROCESS = 2;

if (backend !== "postgres")
  console.log(
    "chaos test skipped: it needs PostgreSQL (COUNTERSIGN_TEST_DATABASE_URL); PGlite is one process",
  );

describe.skipIf(backend !== "postgres")("chaos: two processes SIGKILLed mid-stream (PostgreSQL)", () => {
  let tools: ToolEndpoint;
  let fixture: ServerFixture;
  const servers: (ServerProcess | undefined)[] = [undefined, undefined];
  let db: pg.Client;

  /** Each replica has its own data folder but the one audit key, as the README says replicas must. */
  const start = (i: number) =>
    startServerProcess({
      ...fixture.env,
      COUNTERSIGN_DATA_DIR: path.join(fixture.dir, `replica-${i}`),
      COUNTERSIGN_AUDIT_KEY_FILE: path.join(fixture.dir, "audit-signing-key.pem"),
      COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: "1",
      COUNTERSIGN_SWEEP_CRON: "* * * * * *",
      // The stream is one agent well past the default 60 approvals a minute.
      COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE: "100000",
    });

  beforeAll(async () => {
    tools = await startToolEndpoint();
    // Long enough that a kill often lands while a refund is in flight.
    tools.behave("/refunds", { delayMs: 150 });
    fixture = await serverFixture("chaos", gatewayYaml(tools.url, { refundTimeoutMs: 1000 }), ADMIN_KEY);
    // One first, alone: it runs the migrations (and makes the shared audit key) before the other starts.
    servers[0] = await start(0);
    servers[1] = await start(1);
    db = new pg.Client({ connectionString: fixture.databaseUrl });
    await db.connect();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await Promise.all(servers.map((s) => s?.stop()));
    await tools?.close();
    await fixture?.remove();
  });

  it("loses nothing and does nothing twice", async () => {
    const live = () =>
      servers.filter(
        (s): s is ServerProcess => s !== undefined && s.proc.exitCode === null && s.proc.signalCode === null,
      );
    const figures = {
      calls: 0,
      approvalOnly: 0,
      decisions: 0,
      alreadyDecided: 0,
      refused: 0,
      kills: 0,
      unreachable: 0,
    };
    /** A request to any live process; network errors and 503 "starting" are what a kill looks like. */
    async function anyServer(method: string, urlPath: string, key: string, body?: unknown) {
      const pool = live();
      const server = pool[Math.floor(Math.random() * pool.length)];
      if (!server) return undefined;
      try {
        const res = await callServer(method, server.url + urlPath, key, body);
        if (res.status === 503) figures.unreachable++;
        if (res.status >= 500 && res.status !== 503)
          throw new Error(`${method} ${urlPath} → ${res.status} ${JSON.stringify(res.body)}`);
        return res;
      } catch (err) {
        if (err instanceof Error && err.message.includes(" → ")) throw err;
        figures.unreachable++;
        return undefined;
      }
    }
    const mint = async (body: unknown) =>
      (await callServer("POST", `${servers[0]!.url}/v1/keys`, ADMIN_KEY, body)).body.key as string;
    const agent = await mint({ agent: "support-bot" });
    const approvers = [
      await mint({ operator: "ana@example.com" }),
      await mint({ operator: "ben@example.com" }),
    ];

    const until = Date.now() + CHAOS_MS;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let ticket = 0;

    // Agents: refunds (non-idempotent, approval needed) and approval-only checks the sweeper expires.
    const agents = Array.from({ length: 3 }, async () => {
      while (Date.now() < until) {
        const quick = Math.random() < 0.25;
        const res = await anyServer(
          "POST",
          "/v1/tool-calls",
          agent,
          quick
            ? { tool: "quick.check", input: {} }
            : { tool: "refund.issue", input: { ticket: `T-${++ticket}`, amount: 5 } },
        );
        if (res?.status === 202) quick ? figures.approvalOnly++ : figures.calls++;
        await pause(60);
      }
    });
    // Approvers: both work the same queue, so they race on the same approvals.
    const deciders = approvers.map(async (key, i) => {
      while (Date.now() < until) {
        const queue = await anyServer("GET", "/v1/approvals?status=pending&limit=10", key);
        for (const approval of queue?.body.items ?? []) {
          const res = await anyServer("POST", `/v1/approvals/${approval.id}`, key, {
            decision: Math.random() < 0.8 ? "approve" : "reject",
            rationale: `checked by approver ${i}`,
          });
          if (res?.status === 200) figures.decisions++;
          else if (res?.status === 409) figures.alreadyDecided++;
          else if (res) figures.refused++;
        }
        await pause(100);
      }
    });
    // The killer: each process in turn, SIGKILL, a moment down, then a restart on a new port.
    const killer = (async () => {
      const gap = CHAOS_MS / (KILLS_PER_PROCESS * 2 + 1);
      for (let k = 0; k < KILLS_PER_PROCESS * 2; k++) {
        await pause(gap * 0.6);
        const i = k % 2;
        await servers[i]!.kill();
        figures.kills++;
        await pause(300);
        servers[i] = await start(i);
      }
    })();
    await Promise.all([...agents, ...deciders, killer]);

    // Recovery: a dead process's executing calls are declared once their lease (timeout + margin) passes.
    const settleBy = Date.now() + 30_000;
    let executing = -1;
    while (Date.now() < settleBy) {
      executing = Number(
        (await db.query("SELECT count(*) FROM tool_calls WHERE status = 'executing'")).rows[0].count,
      );
      if (executing === 0) break;
      await pause(500);
    }
    expect(executing, "calls left executing after recovery").toBe(0);

    // At most one final outcome per approval; exactly one once it is no longer pending.
    const doubles = await db.query(
      "SELECT approval_id, count(*) FROM decisions GROUP BY approval_id HAVING count(*) > 1",
    );
    expect(doubles.rows).toEqual([]);
    const unmatched = await db.query(`
      SELECT a.id, a.status, count(d.approval_id) AS decisions FROM approvals a LEFT JOIN decisions d ON d.approval_id = a.id
      GROUP BY a.id, a.status
      HAVING (a.status = 'pending') <> (count(d.approval_id) = 0)`);
    expect(unmatched.rows).toEqual([]);

    // Every refund reached the tool at most once; a succeeded one exactly once.
    const perTicket = new Map<string, number>();
    for (const r of tools.requests.filter((r) => r.path === "/refunds")) {
      const t = (r.body as { ticket: string }).ticket;
      perTicket.set(t, (perTicket.get(t) ?? 0) + 1);
    }
    expect([...perTicket].filter(([, n]) => n > 1)).toEqual([]);
    const calls = await db.query(
      "SELECT status, input->>'ticket' AS ticket FROM tool_calls WHERE tool = 'refund.issue'",
    );
    for (const c of calls.rows.filter((c) => c.status === "succeeded"))
      expect(perTicket.get(c.ticket), c.ticket).toBe(1);
    const byStatus: Record<string, number> = {};
    for (const c of calls.rows) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    const expired = Number(
      (await db.query("SELECT count(*) FROM approvals WHERE status = 'expired'")).rows[0].count,
    );

    // The audit log verifies, with checkpoints written by both processes under the shared key.
    const verdict = (await callServer("GET", `${live()[0]!.url}/v1/audit/verify`, ADMIN_KEY)).body;
    expect(verdict, JSON.stringify(verdict.problems)).toMatchObject({ ok: true, problems: [] });
    expect(verdict.checkpoints).toBeGreaterThan(0);

    console.log(
      `chaos figures: ${figures.calls} refunds and ${figures.approvalOnly} approval-only calls waiting for approval; ` +
        `${figures.decisions} decisions (${figures.alreadyDecided} lost races answered 409, ${figures.refused} other refusals); ` +
        `${expired} approvals expired by the sweeper; ${figures.kills} SIGKILLs and restarts; ${figures.unreachable} requests found a process down; ` +
        `refund calls by status ${JSON.stringify(byStatus)} (outcome_unknown: ${byStatus.outcome_unknown ?? 0}); ` +
        `${tools.count("/refunds")} refund requests reached the tool, none twice; ` +
        `audit: ${verdict.checked} events, ${verdict.checkpoints} checkpoints, verified`,
    );
    expect(figures.kills).toBe(KILLS_PER_PROCESS * 2);
    expect(figures.decisions).toBeGreaterThan(10);
  }, 120_000);
});
