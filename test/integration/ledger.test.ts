// Decisions, approvers' sign-offs and audit events are immutable in the database itself, and the audit hash chain catches a
// row changed behind the database's back.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { decide } from "../../handlers/approvals/index.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`immutable ledger (${backend})`, () => {
  let t: TestApp;
  let approvalId: string;

  beforeAll(async () => {
    t = await startTestApp();
    approvalId = await seedApproval(t.app.deps);
    await decide(t.app.deps, {
      approvalId,
      decision: "approve",
      rationale: "Refund eligibility confirmed.",
      actor: { email: "ana@example.com" },
      via: "api",
    });
  });
  afterAll(() => t.close());

  // drizzle wraps the database's error; the trigger's own message is its cause.
  async function expectRefused(query: Promise<unknown>) {
    const err = await query.then(
      () => null,
      (e: Error) => e,
    );
    expect(err, "the database accepted the change").not.toBeNull();
    expect(String((err as Error & { cause?: Error }).cause?.message ?? err)).toMatch(/rows are immutable/);
  }

  it("refuses UPDATE, DELETE and TRUNCATE on sign-offs (each approver's approval)", async () => {
    const db = t.database.db;
    await expectRefused(
      db.execute(sql`UPDATE sign_offs SET rationale = 'forged' WHERE approval_id = ${approvalId}`),
    );
    await expectRefused(db.execute(sql`DELETE FROM sign_offs WHERE approval_id = ${approvalId}`));
    await expectRefused(db.execute(sql`TRUNCATE sign_offs`));
    const rows = await queryRows<{ decided_by: string; rationale: string }>(
      db,
      sql`SELECT decided_by, rationale FROM sign_offs WHERE approval_id = ${approvalId}`,
    );
    expect(rows).toEqual([{ decided_by: "ana@example.com", rationale: "Refund eligibility confirmed." }]);
  });

  it("refuses UPDATE and DELETE on decisions", async () => {
    await expectRefused(
      t.database.db.execute(sql`UPDATE decisions SET decision = 'reject' WHERE approval_id = ${approvalId}`),
    );
    await expectRefused(t.database.db.execute(sql`DELETE FROM decisions WHERE approval_id = ${approvalId}`));
    await expectRefused(t.database.db.execute(sql`TRUNCATE decisions CASCADE`));
    const [row] = await queryRows<{ decision: string }>(
      t.database.db,
      sql`SELECT decision FROM decisions WHERE approval_id = ${approvalId}`,
    );
    expect(row?.decision).toBe("approve");
  });

  it("refuses UPDATE and DELETE on audit events", async () => {
    await expectRefused(t.database.db.execute(sql`UPDATE audit_events SET actor = 'mallory'`));
    await expectRefused(t.database.db.execute(sql`DELETE FROM audit_events`));
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body).toMatchObject({ ok: true });
  });

  it("refuses UPDATE, DELETE and TRUNCATE on the audit log's signed checkpoints", async () => {
    await t.app.checkpointer.checkpoint();
    const count = async () =>
      (
        await queryRows<{ n: number }>(t.database.db, sql`SELECT count(*)::int AS n FROM audit_checkpoints`)
      )[0]!.n;
    expect(await count()).toBe(1);
    await expectRefused(t.database.db.execute(sql`UPDATE audit_checkpoints SET head_hash = 'forged'`));
    await expectRefused(t.database.db.execute(sql`DELETE FROM audit_checkpoints`));
    await expectRefused(t.database.db.execute(sql`TRUNCATE audit_checkpoints`));
    expect(await count()).toBe(1);
  });

  it("names the first tampered event once a superuser edits a row with the trigger disabled", async () => {
    const before = await t.call("GET", "/v1/audit/verify", { key: t.adminKey });
    expect(before.body).toMatchObject({ ok: true });
    const checked = before.body.checked as number;
    expect(checked).toBeGreaterThanOrEqual(2);

    const [target] = await queryRows<{ id: number }>(
      t.database.db,
      sql`SELECT id FROM audit_events WHERE approval_id = ${approvalId} AND type = 'approval.decided'`,
    );
    await t.database.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable`);
      await tx.execute(
        sql`UPDATE audit_events SET data = jsonb_set(data, '{decision}', '"reject"') WHERE id = ${target!.id}`,
      );
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable`);
    });
    const after = await t.call("GET", "/v1/audit/verify", { key: t.adminKey });
    expect(after.body).toMatchObject({ ok: false, firstBadEventId: Number(target!.id) });
    expect(after.body.problems).toContain(
      `event ${target!.id}: its hash does not match its contents (edited?)`,
    );
  });
});
