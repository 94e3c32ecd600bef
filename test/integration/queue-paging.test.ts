// The queue's keyset cursor over approvals that share a timestamp: every page picks up exactly where the
// last one stopped, in both orders, even when times differ only in the microseconds PostgreSQL keeps and
// a JS Date drops (rows written by SQL's now(), not by the handlers).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";

// [id, microseconds after T0]: ties at one instant, ties a microsecond apart, and a millisecond later.
const SEEDED: [string, number][] = [
  ["paging-07", 0],
  ["paging-03", 0],
  ["paging-11", 0],
  ["paging-01", 0],
  ["paging-05", 0],
  ["paging-02", 1],
  ["paging-09", 1],
  ["paging-04", 1],
  ["paging-12", 1000],
  ["paging-06", 1000],
  ["paging-10", 1000],
  ["paging-08", 1001],
];
const T0 = "2030-01-01 00:00:00.123456+00";

/** What ORDER BY (time, id) answers, worked out here rather than asked of the code under test. */
function expected(order: "urgent" | "newest"): string[] {
  const sorted = [...SEEDED].sort(([a, ta], [b, tb]) => ta - tb || (a < b ? -1 : 1)).map(([id]) => id);
  return order === "urgent" ? sorted : sorted.reverse();
}

describe(`queue paging over equal timestamps (${backend})`, () => {
  let t: TestApp;
  let ana: string;

  beforeAll(async () => {
    t = await startTestApp();
    ana = await t.operatorKey("ana@example.com");
    for (const [id, micros] of SEEDED) {
      const at = sql`${T0}::timestamptz + ${micros} * interval '1 microsecond'`;
      await t.database.db.execute(sql`
        INSERT INTO approvals (id, status, agent, tool, action, input, approvers, approver_refs, channels,
                               timeout_minutes, sla_at_risk_at, sla_breach_at, created_at, expires_at)
        VALUES (${id}, 'pending', 'paging-bot', 'refund.issue', 'refund.issue', '{}', '["ana@example.com"]',
                '["user:ana@example.com"]', '[]', '60', ${at}, ${at}, ${at}, ${at})`);
    }
  });
  afterAll(() => t.close());

  for (const order of ["urgent", "newest"] as const) {
    for (const limit of [1, 2, 5]) {
      it(`pages ${order} first, ${limit} at a time, with no row skipped or repeated`, async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const query: string = `/v1/approvals?agent=paging-bot&order=${order}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`;
          const { status, body } = await t.call("GET", query, { key: ana });
          expect(status).toBe(200);
          seen.push(...body.items.map((a: { id: string }) => a.id));
          cursor = body.nextCursor;
          pages++;
        } while (cursor && pages < 20);
        expect(seen).toEqual(expected(order));
      });
    }
  }

  it("still honours a cursor that keeps only milliseconds (as servers before this one handed out)", async () => {
    // The last row at T0 + 1 µs, as a millisecond cursor would name it: everything after that instant.
    const cursor = Buffer.from(JSON.stringify({ k: "2030-01-01T00:00:00.123Z", id: "paging-99" })).toString(
      "base64url",
    );
    const { status, body } = await t.call(
      "GET",
      `/v1/approvals?agent=paging-bot&order=urgent&limit=50&cursor=${cursor}`,
      { key: ana },
    );
    expect(status).toBe(200);
    // .123 ms is before .123456: every row comes after it.
    expect(body.items.map((a: { id: string }) => a.id)).toEqual(expected("urgent"));
  });
});
