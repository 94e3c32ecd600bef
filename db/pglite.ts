// The embedded database: PGlite (PostgreSQL in WASM, in this process), in a folder or in memory.
// Loaded only when used: a PostgreSQL deployment never pays for the WASM.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { PGlite, PGliteOptions } from "@electric-sql/pglite";
import { currentStamp, defaultSeedFolder, findSeed, unpackSeed } from "./pglite-seed.ts";
import * as schema from "./schema.ts";

/**
 * PostgreSQL settings for the embedded database, on top of PGlite's own. shared_buffers: PostgreSQL
 * touches all of its buffer pool at start, and PGlite's initdb sets 128 MB; 16 MB cuts about 100 MB of
 * memory from every start. The data files are ordinary files, so pages outside the pool come from the
 * operating system's cache. Nothing here relaxes durability.
 */
export const PGLITE_SETTINGS = ["shared_buffers=16MB"];

export interface PgliteOpenOptions {
  /** The folder PGlite keeps its files in; undefined → in memory. */
  dataDir?: string | undefined;
  migrationsFolder: string;
  /** Where to look for a seed (default: the build's dist/db); false → never use one (initdb runs). */
  seedFolder?: string | false;
}

export interface OpenedPglite {
  client: PGlite;
  /** How the database was made: from the seed, by initdb (no usable seed), or an existing folder. */
  origin: "seed" | "initdb" | "existing";
}

/** True when `dataDir` holds no database yet (the next open makes one). */
export function isFreshDataDir(dataDir: string): boolean {
  return !existsSync(path.join(dataDir, "PG_VERSION"));
}

export async function openPgliteClient(options: PgliteOpenOptions): Promise<OpenedPglite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const pgOptions: PGliteOptions = {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((s) => ["-c", s])],
  };
  let origin: OpenedPglite["origin"] = "existing";
  if (options.dataDir === undefined || isFreshDataDir(options.dataDir)) {
    if (options.dataDir && existsSync(options.dataDir) && readdirSync(options.dataDir).length > 0) {
      throw new Error(`${options.dataDir} holds files but no database: move it away and start again`);
    }
    const seed =
      options.seedFolder === false
        ? undefined
        : findSeed(options.seedFolder ?? defaultSeedFolder(), currentStamp(options.migrationsFolder));
    origin = seed ? "seed" : "initdb";
    if (seed && options.dataDir === undefined) pgOptions.loadDataDir = new Blob([readFileSync(seed)]);
    else if (seed && options.dataDir !== undefined) await unpackSeed(seed, options.dataDir);
  }
  const client = new PGlite({
    ...pgOptions,
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
  });
  await client.waitReady;
  return { client, origin };
}

/** The drizzle database on a PGlite client, with every migration applied. */
export async function migratedDrizzle(client: PGlite, migrationsFolder: string) {
  const [{ drizzle }, { migrate }] = await Promise.all([
    import("drizzle-orm/pglite"),
    import("drizzle-orm/pglite/migrator"),
  ]);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return db;
}

/**
 * The seed's contents: a fresh in-memory database, initdb'd and migrated, packed by PGlite's dumpDataDir
 * (the build calls this; it is the one slow, memory-hungry initdb).
 */
export async function makeSeedTarball(migrationsFolder: string): Promise<Uint8Array> {
  const { client } = await openPgliteClient({ migrationsFolder, seedFolder: false });
  try {
    await migratedDrizzle(client, migrationsFolder);
    await client.exec("CHECKPOINT");
    const dump = await client.dumpDataDir("gzip");
    return new Uint8Array(await dump.arrayBuffer());
  } finally {
    await client.close();
  }
}
