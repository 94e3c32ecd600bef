// First start: an admin key is generated and written with mode 600 (its path printed, never the key);
// the channels that are off say so in one line each. A second start on the same database generates nothing new.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../bot/app.ts";
import { loadConfig } from "../../bot/config.ts";
import { HttpListener } from "../../bot/listener.ts";
import { createLogger } from "../../bot/logger.ts";
import { REFERENCE_RESOURCES } from "../helpers/app.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";

describe(`start-up (${backend})`, () => {
  let database: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    database = await testDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), "countersign-startup-"));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startOnce(): Promise<string[]> {
    const lines: string[] = [];
    const config = loadConfig({
      PORT: "0",
      COUNTERSIGN_DATA_DIR: dataDir,
      COUNTERSIGN_RESOURCES: REFERENCE_RESOURCES,
    });
    const app = await createApp(config, {
      database,
      logger: createLogger("error"),
      say: (line) => lines.push(line),
    });
    const url = await app.start();
    const key = readFileSync(path.join(dataDir, "admin.key"), "utf8").trim();
    const res = await fetch(`${url}/v1/audit/verify`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    await app.stop();
    return lines;
  }

  it("generates the admin key once, mode 600, says where it is without printing it, and which channels are off", async () => {
    const first = await startOnce();
    const key = readFileSync(path.join(dataDir, "admin.key"), "utf8").trim();
    expect(key).toMatch(/^csk_admin_/);
    expect(statSync(path.join(dataDir, "admin.key")).mode & 0o777).toBe(0o600);
    // Start-up lines end up in container logs: they name the file, never the key.
    expect(first.filter((l) => l.includes(key))).toHaveLength(0);
    expect(first).toContain(
      `admin key generated and written to ${path.join(dataDir, "admin.key")} (mode 600)`,
    );
    expect(first).toEqual(
      expect.arrayContaining([
        "slack: off (no SLACK_BOT_TOKEN)",
        "teams: off (no TEAMS_APP_ID)",
        "email: off (no SMTP_URL)",
      ]),
    );

    const second = await startOnce();
    expect(second.some((l) => l.includes("admin key"))).toBe(false);
    expect(readFileSync(path.join(dataDir, "admin.key"), "utf8").trim()).toBe(key);
  });

  it("replaces a stale admin.key left by an earlier database, and makes it private", async () => {
    const fresh = await testDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-stale-"));
    try {
      writeFileSync(path.join(dir, "admin.key"), "csk_admin_stale\n", { mode: 0o644 });
      const config = loadConfig({
        PORT: "0",
        COUNTERSIGN_DATA_DIR: dir,
        COUNTERSIGN_RESOURCES: REFERENCE_RESOURCES,
      });
      const app = await createApp(config, { database: fresh, logger: createLogger("error"), say: () => {} });
      await app.start();
      await app.stop();
      const key = readFileSync(path.join(dir, "admin.key"), "utf8").trim();
      expect(key).not.toBe("csk_admin_stale");
      expect(statSync(path.join(dir, "admin.key")).mode & 0o777).toBe(0o600);
    } finally {
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers 503 'starting' on its port until the app is ready, then serves the app there", async () => {
    const listener = new HttpListener();
    const url = await listener.listen("127.0.0.1", 0);
    const early = await fetch(`${url}/healthz`);
    expect(early.status).toBe(503);
    expect(early.headers.get("retry-after")).toBe("1");
    expect(await early.json()).toEqual({ status: "starting" });
    const api = await fetch(`${url}/v1/approvals`, { headers: { authorization: "Bearer x" } });
    expect(api.status).toBe(503);
    expect((await api.json()).error.code).toBe("starting");

    const config = loadConfig({
      PORT: "0",
      COUNTERSIGN_DATA_DIR: dataDir,
      COUNTERSIGN_RESOURCES: REFERENCE_RESOURCES,
    });
    const app = await createApp(config, { database, listener, logger: createLogger("error"), say: () => {} });
    // Built but not started: recovery has not run, so still not open for business.
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    expect(await app.start()).toBe(url);
    const ready = await fetch(`${url}/healthz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ok",
      database: backend === "postgres" ? "postgres" : "pglite",
    });
    await app.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
