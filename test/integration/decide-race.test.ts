// First decision wins in SQL: 200 approvers deciding one approval at once (mixed approve and reject)
// leave exactly one decision, and every other caller is told which one stands.

import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { APPROVERS, RACE_YAML } from "../helpers/race-fixture.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`200 concurrent decisions on one approval (${backend})`, () => {
  let t: TestApp;
  let keys: string[];

  beforeAll(async () => {
    t = await startTestApp({ yaml: RACE_YAML });
    keys = await Promise.all(APPROVERS.map((e) => t.operatorKey(e)));
  });
  afterAll(() => t.close());

  it("records exactly one decision and answers every loser 409 with it", async () => {
    const id = await seedApproval(t.app.deps, { agent: "payout-bot", tool: "payout.send" });
    const answers = await Promise.all(
      keys.map((key, i) =>
        t.call("POST", `/v1/approvals/${id}`, {
          key,
          body: { decision: i % 2 === 0 ? "approve" : "reject", rationale: `vote ${i}` },
        }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    const losers = answers.filter((a) => a.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(199);
    const standing = winners[0]!.body.decision;
    for (const l of losers) {
      expect(l.body.error.code).toBe("already_decided");
      expect(l.body.error.decision).toEqual(standing);
    }
    const rows = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM decisions WHERE approval_id = ${id}`,
    );
    expect(rows[0]!.n).toBe(1);
    const events = await queryRows<{ n: number }>(
      t.database.db,
      sql`SELECT count(*)::int AS n FROM audit_events WHERE approval_id = ${id} AND type = 'approval.decided'`,
    );
    expect(events[0]!.n).toBe(1);
  });
});
