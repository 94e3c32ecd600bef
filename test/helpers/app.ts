// Starts the real application (real HTTP, real database) for a test, with keys minted for the people and
// agents the test names.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type App, type AppOptions, createApp } from "../../bot/app.ts";
import { loadConfig } from "../../bot/config.ts";
import { createLogger } from "../../bot/logger.ts";
import { createKey } from "../../gateway/keys.ts";
import { loadResources } from "../../gateway/resources/load.ts";
import type { Clock } from "../../handlers/clock.ts";
import { type TestDatabase, testDatabase } from "./db.ts";

export const REFERENCE_RESOURCES = path.resolve(import.meta.dirname, "../../resources");

export interface TestApp {
  app: App;
  url: string;
  database: TestDatabase;
  adminKey: string;
  dataDir: string;
  agentKey(name: string): Promise<string>;
  operatorKey(email: string): Promise<string>;
  /** JSON request against the running server; answers status and parsed body. */
  call(method: string, urlPath: string, opts?: { key?: string; body?: unknown }): Promise<Answer>;
  close(): Promise<void>;
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are checked by assertions
  body: any;
}

export interface TestAppOptions {
  /** Extra YAML resources, written beside a copy of the reference set. */
  yaml?: string;
  /** Replace the reference set entirely with this YAML. */
  onlyYaml?: string;
  env?: Record<string, string>;
  clock?: Clock;
  database?: TestDatabase;
  /** More options for the composition root (MCP timings, executor leases). */
  app?: Pick<AppOptions, "gateway" | "mcp">;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "countersign-test-"));
  const resourcesDir = path.join(dataDir, "resources");
  const { mkdirSync, cpSync } = await import("node:fs");
  mkdirSync(resourcesDir);
  if (opts.onlyYaml === undefined) cpSync(REFERENCE_RESOURCES, resourcesDir, { recursive: true });
  if (opts.yaml ?? opts.onlyYaml)
    writeFileSync(path.join(resourcesDir, "zz-test.yaml"), opts.yaml ?? opts.onlyYaml!);

  const adminKey = `test-admin-key-${Math.random().toString(36).slice(2)}-padding`;
  const config = loadConfig({
    PORT: "0",
    COUNTERSIGN_DATA_DIR: dataDir,
    COUNTERSIGN_RESOURCES: resourcesDir,
    COUNTERSIGN_ADMIN_KEY: adminKey,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "error",
    ...opts.env,
  });
  const database = opts.database ?? (await testDatabase());
  const app = await createApp(config, {
    database,
    clock: opts.clock,
    resources: loadResources(resourcesDir),
    logger: createLogger(config.logLevel),
    say: () => {},
    ...opts.app,
  });
  const url = await app.start();

  const call: TestApp["call"] = async (method, urlPath, { key, body } = {}) => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url + urlPath, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };

  return {
    app,
    url,
    database,
    adminKey,
    dataDir,
    agentKey: (name) => createKey(database.db, { kind: "agent", subject: name }),
    operatorKey: (email) => createKey(database.db, { kind: "operator", subject: email }),
    call,
    async close() {
      await app.stop();
      if (!opts.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
