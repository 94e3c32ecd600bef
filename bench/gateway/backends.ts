// The databases the server is measured on: PGlite always, and a fresh PostgreSQL database when one is usable.
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface Backend {
  name: "pglite" | "postgres";
  env: Record<string, string>;
  /** The bench's own PostgreSQL database, whose backend processes' CPU is counted. */
  database?: string;
  drop: () => Promise<void>;
}

export const pgliteBackend = (): Backend => ({ name: "pglite", env: {}, drop: async () => {} });

export async function postgresBackend(): Promise<Backend | undefined> {
  const base =
    process.env.COUNTERSIGN_TEST_DATABASE_URL ||
    process.env.DATABASE_URL ||
    "postgres://postgres@127.0.0.1:5432/test";
  const name = `cs_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (err) {
    console.log(`PostgreSQL at ${base} not usable (${(err as Error).message}): PostgreSQL rows skipped.`);
    return undefined;
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name: "postgres",
    env: { DATABASE_URL: url.toString() },
    database: name,
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
