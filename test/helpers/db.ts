// A database per test on either backend. Without COUNTERSIGN_TEST_DATABASE_URL: a fresh in-memory PGlite.
// With it (postgres://…): a fresh PostgreSQL database created beside it and dropped afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "../../db/open.ts";

export const TEST_PG_URL = process.env.COUNTERSIGN_TEST_DATABASE_URL || undefined;
export const backend: "pglite" | "postgres" = TEST_PG_URL ? "postgres" : "pglite";

export interface TestDatabase extends Database {
  /** The database's own URL on PostgreSQL (for second processes); undefined on PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** Creates an empty PostgreSQL database and returns its URL (only with COUNTERSIGN_TEST_DATABASE_URL). */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!TEST_PG_URL) throw new Error("COUNTERSIGN_TEST_DATABASE_URL is not set");
  const name = `cs_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function testDatabase(): Promise<TestDatabase> {
  if (!TEST_PG_URL) {
    const database = await openDatabase({});
    return { ...database, url: undefined, drop: () => database.close() };
  }
  const created = await createPgDatabase();
  const database = await openDatabase({ databaseUrl: created.url, poolSize: 20 });
  return {
    ...database,
    url: created.url,
    async drop() {
      await database.close();
      await created.drop();
    },
  };
}
