// Allowed calls of idempotent tools are stored in grouped writes (gateway/tool-calls/finished-calls.ts):
// rows recorded in the same turn of the event loop share one INSERT. A row the database refuses must
// fail only its own call, and every other row of its group must still be stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinishedCallWriter } from "../../gateway/tool-calls/finished-calls.ts";
import { findCall } from "../../gateway/tool-calls/store.ts";
import type { ToolCallRow } from "../../gateway/tool-calls/view.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";

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

describe(`grouped writes of finished calls (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("stores each row of a group as given, and a row the database refuses fails alone", async () => {
    const writer = new FinishedCallWriter(database.db);
    // call-2 is recorded already: a second row with its id breaks the primary key.
    const first = finishedCall("call-2", { first: true });
    await writer.record(first);
    const rows = [
      finishedCall("call-1", { queue: "billing" }),
      finishedCall("call-2", { second: true }),
      finishedCall("call-3", null),
      finishedCall("call-4", "plain text answer"),
    ];
    const outcomes = await Promise.allSettled(rows.map((row) => writer.record(row)));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(await findCall(database.db, "call-2")).toEqual(first);
    for (const row of [rows[0]!, rows[2]!, rows[3]!]) {
      expect(await findCall(database.db, row.id)).toEqual({ ...row, result: row.result });
    }
  });
});
