// The same race across two server processes sharing one PostgreSQL database: still one decision.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase, queryRows } from "../../db/open.ts";
import { createKey } from "../../gateway/keys.ts";
import { loadResources } from "../../gateway/resources/load.ts";
import { systemClock } from "../../handlers/clock.ts";
import { REFERENCE_RESOURCES } from "../helpers/app.ts";
import { backend, createPgDatabase } from "../helpers/db.ts";
import { APPROVERS, RACE_YAML } from "../helpers/race-fixture.ts";
import { seedApproval } from "../helpers/seed.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

describe.skipIf(backend !== "postgres")("decision race across two server processes (PostgreSQL only)", () => {
  let pgdb: Awaited<ReturnType<typeof createPgDatabase>>;
  let database: Database;
  let servers: ServerProcess[];
  let resourcesDir: string;

  beforeAll(async () => {
    pgdb = await createPgDatabase();
    resourcesDir = mkdtempSync(path.join(tmpdir(), "countersign-race-"));
    cpSync(REFERENCE_RESOURCES, resourcesDir, { recursive: true });
    writeFileSync(path.join(resourcesDir, "race.yaml"), RACE_YAML);
    const env = {
      DATABASE_URL: pgdb.url,
      COUNTERSIGN_RESOURCES: resourcesDir,
      COUNTERSIGN_ADMIN_KEY: "race-test-admin-key-0123456789abcdef",
      COUNTERSIGN_DATA_DIR: resourcesDir,
    };
    // Both start together: migrations and the admin key must cope with a twin starting alongside.
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    database = await openDatabase({ databaseUrl: pgdb.url });
  }, 60_000);

  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.stop()));
    await database?.close();
    await pgdb?.drop();
    if (resourcesDir) rmSync(resourcesDir, { recursive: true, force: true });
  });

  it("leaves exactly one decision when 200 approvers split across both servers decide at once", async () => {
    const keys = await Promise.all(
      APPROVERS.map((email) => createKey(database.db, { kind: "operator", subject: email })),
    );
    const deps = { database, clock: systemClock, resources: () => loadResources(resourcesDir) };
    const id = await seedApproval(deps, { agent: "payout-bot", tool: "payout.send" });

    const answers = await Promise.all(
      keys.map(async (key, i) => {
        const res = await fetch(`${servers[i % 2]!.url}/v1/approvals/${id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ decision: i % 3 === 0 ? "reject" : "approve", rationale: `vote ${i}` }),
        });
        return { status: res.status, body: await res.json() };
      }),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const losers = answers.filter((a) => a.status === 409);
    expect(losers).toHaveLength(199);
    const standing = answers.find((a) => a.status === 200)!.body.decision;
    for (const l of losers) expect(l.body.error.decision).toEqual(standing);
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`SELECT count(*)::int AS n FROM decisions WHERE approval_id = ${id}`,
    );
    expect(row!.n).toBe(1);
  });
});
