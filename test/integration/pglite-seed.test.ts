// The PGlite seed the build ships: it matches the committed migrations, a database made from it is the
// same as one made by initdb and the migrations, a seed with any other stamp is never used, and a data
// folder made from it is unpacked whole or not at all.
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, openDatabase, queryRows } from "../../db/open.ts";
import { openPgliteClient } from "../../db/pglite.ts";
import {
  currentStamp,
  defaultSeedFolder,
  findSeed,
  migrationsHash,
  SEED_FILE,
  STAMP_FILE,
} from "../../db/pglite-seed.ts";
import { backend } from "../helpers/db.ts";

type Rows = Record<string, unknown>[];

/** Everything the migrations make, as text: tables, columns, indexes, constraints, triggers, functions. */
async function schemaOf(query: (text: string) => Promise<Rows>) {
  return {
    columns: await query(`SELECT table_schema, table_name, column_name, data_type, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema IN ('public', 'drizzle') ORDER BY 1, 2, 3`),
    indexes: await query(
      "SELECT indexdef FROM pg_indexes WHERE schemaname IN ('public', 'drizzle') ORDER BY 1",
    ),
    constraints: await query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
    triggers: await query(
      "SELECT tgname, pg_get_triggerdef(oid) AS def FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
    ),
    functions: await query(`SELECT proname, pg_get_functiondef(oid) AS def FROM pg_proc
      WHERE pronamespace = 'public'::regnamespace ORDER BY 1`),
    migrations: await query("SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id"),
    databases: await query(`SELECT datname, pg_encoding_to_char(encoding) AS encoding, datcollate
      FROM pg_database ORDER BY 1`),
    settings: await query(`SELECT name, setting FROM pg_settings
      WHERE name IN ('shared_buffers', 'fsync', 'synchronous_commit', 'TimeZone') ORDER BY 1`),
  };
}

describe.skipIf(backend !== "pglite")("the PGlite seed (PGlite only: the PostgreSQL pass skips it)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "countersign-seed-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("the build's seed is stamped with the committed migrations and the installed PGlite", () => {
    expect(findSeed(defaultSeedFolder(), currentStamp(MIGRATIONS_FOLDER))).toBe(
      path.join(defaultSeedFolder(), SEED_FILE),
    );
  });

  it("holds, as shipped, the same database that initdb and the migrations make", async () => {
    // The seed is read raw (no migration runs on it), so a seed missing a migration would differ here.
    const seed = await openPgliteClient({ migrationsFolder: MIGRATIONS_FOLDER });
    const made = await openDatabase({ seedFolder: false });
    try {
      expect(seed.origin).toBe("seed");
      expect(made.origin).toBe("initdb");
      const expected = await schemaOf((text) => queryRows<Rows[number]>(made.db, sql.raw(text)));
      expect(expected.migrations).toHaveLength(
        readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith(".sql")).length,
      );
      expect(expected.triggers.length).toBeGreaterThan(0);
      expect(await schemaOf(async (text) => (await seed.client.query<Rows[number]>(text)).rows)).toEqual(
        expected,
      );
    } finally {
      await seed.client.close();
      await made.close();
    }
    // initdb in WebAssembly: seconds on a quiet machine, far more on a loaded one.
  }, 180_000);

  it("is never used when its stamp names other migrations or another PGlite", () => {
    const stamp = currentStamp(MIGRATIONS_FOLDER);
    const folder = path.join(dir, "stamps");
    mkdirSync(folder);
    writeFileSync(path.join(folder, SEED_FILE), "");
    const withStamp = (s: unknown) => {
      writeFileSync(path.join(folder, STAMP_FILE), JSON.stringify(s));
      return findSeed(folder, stamp);
    };
    expect(withStamp(stamp)).toBe(path.join(folder, SEED_FILE));
    expect(withStamp({ ...stamp, migrations: "0".repeat(64) })).toBeUndefined();
    expect(withStamp({ ...stamp, pglite: "0.0.1" })).toBeUndefined();
    expect(withStamp("garbage")).toBeUndefined();
    rmSync(path.join(folder, STAMP_FILE));
    expect(findSeed(folder, stamp)).toBeUndefined();
  });

  it("stamps any change to a migration, even one byte", () => {
    const copy = path.join(dir, "migrations");
    mkdirSync(copy);
    cpSync(MIGRATIONS_FOLDER, copy, { recursive: true });
    expect(migrationsHash(copy)).toBe(migrationsHash(MIGRATIONS_FOLDER));
    const first = readdirSync(copy).find((f) => f.endsWith(".sql"))!;
    appendFileSync(path.join(copy, first), " ");
    expect(migrationsHash(copy)).not.toBe(migrationsHash(MIGRATIONS_FOLDER));
  });

  it("unpacks a data folder from the seed once, keeps what is written, and never over a half-made one", async () => {
    const dataDir = path.join(dir, "data", "pglite");
    // A start that died while unpacking leaves its work beside the folder: it is thrown away.
    mkdirSync(`${dataDir}.unpacking`, { recursive: true });
    writeFileSync(path.join(`${dataDir}.unpacking`, "PG_VERSION"), "partial");
    const first = await openDatabase({ dataDir });
    expect(first.origin).toBe("seed");
    await first.db.execute(
      sql`INSERT INTO api_keys (id, kind, subject, key_hash) VALUES ('k1', 'agent', 'a', 'h')`,
    );
    await first.close();

    const again = await openDatabase({ dataDir });
    expect(again.origin).toBe("existing");
    expect(await queryRows(again.db, sql`SELECT id FROM api_keys`)).toEqual([{ id: "k1" }]);
    await again.close();

    const junk = path.join(dir, "junk");
    mkdirSync(junk);
    writeFileSync(path.join(junk, "base"), "not a database");
    await expect(openDatabase({ dataDir: junk })).rejects.toThrow(`${junk} holds files but no database`);
  });
});
