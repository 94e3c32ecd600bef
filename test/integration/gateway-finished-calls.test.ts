// Allowed calls of idempotent tools are stored after their answers, grouped (gateway/tool-calls/
// finished-calls.ts). What must hold: a queued row is readable until stored; every row reaches the
// database; a row the database refuses for good is dropped alone and reported, its neighbours stored; a
// database that stops answering loses nothing — rows wait and are retried, and past the backlog limit new
// lean calls are refused before their tool runs.
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { FinishedCallWriter } from "../../gateway/tool-calls/finished-calls.ts";
import { findCall } from "../../gateway/tool-calls/store.ts";
import type { ToolCallRow } from "../../gateway/tool-calls/view.ts";
import { startTestApp } from "../helpers/app.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint } from "../helpers/tool-endpoint.ts";

function finishedCall(id: string, result: unknown): ToolCallRow {
  const at = new Date("2026-03-01T10:00:00.000Z");
  return {
    id,
    agent: "support-bot",
    tool: "ticket.triage",
    input: { ticket: id },
    requestHash: "0".repeat(64),
    idempotencyKey: null,
    repeatKey: null,
    status: "succeeded",
    reason: null,
    policy: null,
    rule: null,
    approvalId: null,
    originalInput: null,
    result,
    error: null,
    attempts: 1,
    leaseUntil: null,
    createdAt: at,
    updatedAt: at,
  };
}

interface Reported {
  ids: string[];
  dropped: boolean;
  code: unknown;
}

function reporter() {
  const reported: Reported[] = [];
  const onError = (err: unknown, rows: ToolCallRow[], dropped: boolean) => {
    const cause = (err as { cause?: { code?: unknown }; code?: unknown }).cause ?? err;
    reported.push({ ids: rows.map((r) => r.id), dropped, code: (cause as { code?: unknown }).code });
  };
  return { reported, onError };
}

describe(`call records written after the answer (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("a queued row is readable at once and stored within milliseconds, as given", async () => {
    const writer = new FinishedCallWriter(database.db);
    const rows = [
      finishedCall("call-a1", { queue: "billing" }),
      finishedCall("call-a2", null),
      finishedCall("call-a3", "plain text answer"),
    ];
    for (const row of rows) writer.record(row);
    expect(writer.pending("call-a2")).toEqual(rows[1]);
    await expect.poll(() => writer.backlog, { timeout: 2_000 }).toBe(0);
    expect(writer.pending("call-a2")).toBeUndefined();
    for (const row of rows) expect(await findCall(database.db, row.id)).toEqual(row);
    // A null answer is stored as JSON null, as every other path stores it, not as SQL NULL.
    const [stored] = await queryRows<{ kind: string | null }>(
      database.db,
      sql`SELECT jsonb_typeof(result) AS kind FROM tool_calls WHERE id = 'call-a2'`,
    );
    expect(stored).toEqual({ kind: "null" });
  });

  it("an answer PostgreSQL cannot store as it is is stored with U+FFFD, and its input as given", async () => {
    const writer = new FinishedCallWriter(database.db);
    const row = {
      ...finishedCall("call-a4", { note: "nul\u0000here", cut: "\ud83d" }),
      input: { q: "ünï ✓" },
    };
    writer.record(row);
    await writer.drain();
    expect(await findCall(database.db, "call-a4")).toEqual({
      ...row,
      result: { note: "nul\ufffdhere", cut: "\ufffd" },
    });
  });

  it("a row the database refuses is dropped alone and reported; a repeated row is stored once", async () => {
    const { reported, onError } = reporter();
    const writer = new FinishedCallWriter(database.db, { onError });
    const first = finishedCall("call-b1", { first: true });
    writer.record(first);
    await writer.drain();
    // agent is NOT NULL in the table: this row can never be stored.
    const broken = { ...finishedCall("call-b2", {}), agent: null as unknown as string };
    const again = finishedCall("call-b1", { second: true });
    const fine = finishedCall("call-b3", { fine: true });
    for (const row of [broken, again, fine]) writer.record(row);
    await writer.drain();
    expect(writer.backlog).toBe(0);
    expect(reported).toEqual([{ ids: ["call-b2"], dropped: true, code: "23502" }]);
    expect(await findCall(database.db, "call-b1")).toEqual(first);
    expect(await findCall(database.db, "call-b2")).toBeNull();
    expect(await findCall(database.db, "call-b3")).toEqual(fine);
  });

  it.skipIf(backend !== "postgres")(
    "a database that stops answering loses nothing: rows wait, new lean calls are refused, all stored after",
    async () => {
      const { reported, onError } = reporter();
      const writer = new FinishedCallWriter(database.db, { onError, maxBacklog: 3, retryMs: 50 });
      const blocker = new pg.Client({ connectionString: database.url });
      await blocker.connect();
      try {
        // Another session holds the table: the writer's statement waits behind it.
        await blocker.query("BEGIN; LOCK TABLE tool_calls IN ACCESS EXCLUSIVE MODE");
        for (const id of ["call-c1", "call-c2", "call-c3"]) writer.record(finishedCall(id, { id }));
        expect(() => writer.refuseIfBacklogged()).toThrow(
          "the database is not storing call records (3 waiting); the call was not made, retry shortly",
        );
        // The waiting statement's connection is cut, as a database restart would: the writer retries.
        // Found by its wait on the lock, not by its text: a connection that has not yet prepared the
        // statement waits while parsing it, and shows its previous query meanwhile.
        await expect
          .poll(
            async () =>
              (
                await blocker.query(
                  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
                )
              ).rowCount,
            { timeout: 5_000 },
          )
          .toBe(1);
        await expect.poll(() => reported.length, { timeout: 5_000 }).toBeGreaterThan(0);
        expect(reported[0]).toMatchObject({ ids: ["call-c1", "call-c2", "call-c3"], dropped: false });
        expect(writer.backlog).toBe(3);
        await blocker.query("COMMIT");
        await expect.poll(() => writer.backlog, { timeout: 5_000 }).toBe(0);
        expect(() => writer.refuseIfBacklogged()).not.toThrow();
        for (const id of ["call-c1", "call-c2", "call-c3"])
          expect(await findCall(database.db, id)).toMatchObject({ id, result: { id } });
      } finally {
        await blocker.end();
      }
    },
  );

  it("through the server: the agent's answer comes first, GET finds the call, and stopping stores it", async () => {
    const tools = await startToolEndpoint();
    // Rows wait a minute before their statement: only the queue and the stop can account for them.
    const t = await startTestApp({
      onlyYaml: gatewayYaml(tools.url),
      database,
      app: { gateway: { finishedCalls: { groupMs: 60_000 } } },
    });
    let stopped = false;
    try {
      const key = await t.agentKey("support-bot");
      const answered = await t.call("POST", "/v1/tool-calls", {
        key,
        body: { tool: "ticket.triage", input: { ticket: "T-77" } },
      });
      expect(answered).toMatchObject({ status: 200, body: { status: "succeeded" } });
      const { id } = answered.body;
      expect(await findCall(database.db, id)).toBeNull();
      const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
      expect(await metrics.text()).toMatch(/^countersign_call_records_waiting 1$/m);
      expect(await t.call("GET", `/v1/tool-calls/${id}`, { key })).toEqual({
        status: 200,
        body: answered.body,
      });
      expect(await t.call("GET", `/v1/tool-calls/${id}?wait=5`, { key })).toEqual({
        status: 200,
        body: answered.body,
      });
      await t.close();
      stopped = true;
      expect(await findCall(database.db, id)).toMatchObject({
        id,
        status: "succeeded",
        input: { ticket: "T-77" },
      });
    } finally {
      if (!stopped) await t.close();
      await tools.close();
    }
  });
});
