import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";

describe(`database (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => database.drop());

  it("applies the migrations", async () => {
    const rows = await queryRows(database.db, sql`SELECT count(*)::int AS n FROM approvals`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("delivers NOTIFY only after commit", async () => {
    const got: string[] = [];
    const stop = await database.listen("cs_test", (p) => got.push(p));
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_notify('cs_test', 'one')`);
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([]);
    });
    await expect.poll(() => got).toEqual(["one"]);
    stop();
  });
});
