// The admin key: generated on first start when COUNTERSIGN_ADMIN_KEY is not set and written to
// DATA_DIR/admin.key (mode 600), where the CLI on the same machine finds it. It is never printed: start-up
// output ends up in container logs, which more people read than should hold the key.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Database } from "../db/open.ts";
import { createKey, hasAdminKey } from "../gateway/keys.ts";

export const ADMIN_KEY_FILE = "admin.key";

/** Returns the new key when one was generated now, undefined when one already existed. */
export async function ensureAdminKey(database: Database, dataDir: string): Promise<string | undefined> {
  return database.db.transaction(async (tx) => {
    // Replicas starting together must not each mint one. The file is written before the commit: if the
    // commit fails, the next start mints a new key and overwrites it.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(727004)`);
    if (await hasAdminKey(tx)) return undefined;
    const key = await createKey(tx, { kind: "admin", subject: "admin" });
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, ADMIN_KEY_FILE);
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    // `mode` applies only to a new file; a stale one left from an earlier database keeps its own.
    chmodSync(file, 0o600);
    return key;
  });
}
