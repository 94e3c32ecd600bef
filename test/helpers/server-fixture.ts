// What server processes of one test share: a data folder holding `yaml` as the resources file, an admin
// key, and on PostgreSQL a database of its own; plus a JSON call against any of the processes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { backend, createPgDatabase } from "./db.ts";
import { type ServerProcess, startServerProcess } from "./server-process.ts";

export interface ServerFixture {
  dir: string;
  resources: string;
  adminKey: string;
  /** The database URL on PostgreSQL; undefined on PGlite, where each process keeps its data in `dir`. */
  databaseUrl: string | undefined;
  /** The environment every process starts with; give each its own COUNTERSIGN_DATA_DIR to run several. */
  env: Record<string, string>;
  /** Drops the database and removes the folder (stop the processes first). */
  remove(): Promise<void>;
}

export async function serverFixture(name: string, yaml: string, adminKey: string): Promise<ServerFixture> {
  const dir = mkdtempSync(path.join(tmpdir(), `countersign-${name}-`));
  const resources = path.join(dir, "resources.yaml");
  writeFileSync(resources, yaml);
  const db = backend === "postgres" ? await createPgDatabase() : undefined;
  return {
    dir,
    resources,
    adminKey,
    databaseUrl: db?.url,
    env: {
      COUNTERSIGN_DATA_DIR: dir,
      COUNTERSIGN_RESOURCES: resources,
      COUNTERSIGN_ADMIN_KEY: adminKey,
      ...(db && { DATABASE_URL: db.url }),
    },
    async remove() {
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON request to a server process with a bearer key; answers status and parsed body. */
export async function callServer(method: string, url: string, key: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Replicas: server processes on the fixture's database, each with a data folder of its own. */
export function startReplicas(fixture: ServerFixture, names = ["a", "b"]): Promise<ServerProcess[]> {
  return Promise.all(
    names.map((name) =>
      startServerProcess({ ...fixture.env, COUNTERSIGN_DATA_DIR: path.join(fixture.dir, name) }),
    ),
  );
}

/** The support-bot agent's key and ana@example.com's operator key, made on `server`. */
export async function agentAndAnaKeys(server: ServerProcess, adminKey: string) {
  const agent = (await callServer("POST", `${server.url}/v1/keys`, adminKey, { agent: "support-bot" })).body
    .key;
  const ana = (await callServer("POST", `${server.url}/v1/keys`, adminKey, { operator: "ana@example.com" }))
    .body.key;
  return { agent: agent as string, ana: ana as string };
}
