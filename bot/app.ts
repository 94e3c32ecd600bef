// The composition root: builds everything from config and hands back {server, deps, start, stop}.
// Tests build the same root, with fakes only at the edges (the Slack API URL, a clock, an SMTP sink).
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type Database, openDatabase } from "../db/open.ts";
import { KeyAuthenticator } from "../gateway/http/auth.ts";
import { createMetrics } from "../gateway/http/metrics.ts";
import { buildServer } from "../gateway/http/server.ts";
import { loadResources } from "../gateway/resources/load.ts";
import type { ResourceSet } from "../gateway/resources/types.ts";
import { type Clock, systemClock } from "../handlers/clock.ts";
import type { HandlerDeps } from "../handlers/deps.ts";
import { ensureAdminKey } from "./admin-key.ts";
import type { Config } from "./config.ts";
import { createLogger } from "./logger.ts";

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** An already open database (tests); otherwise opened from config. */
  database?: Database;
  /** Already loaded resources (tests); otherwise loaded from config.resourcesPath. */
  resources?: ResourceSet;
  /** Where start-up lines go (the admin key, channels that are off). */
  say?: (line: string) => void;
}

export interface App {
  config: Config;
  deps: HandlerDeps;
  server: FastifyInstance;
  logger: Logger;
  /** Listens on config.host:port; resolves to the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const say = options.say ?? ((line: string) => console.log(line));
  const resources = options.resources ?? (await loadResources(config.resourcesPath));
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : path.join(config.dataDir, "pglite"),
      onError: (err) => logger.error({ err }, "database connection error"),
    }));
  const ownsDatabase = options.database === undefined;
  const deps: HandlerDeps = { database, clock: options.clock ?? systemClock, resources: () => resources };

  const auth = new KeyAuthenticator(database.db, config.adminKey);
  const metrics = createMetrics(deps);
  const server = buildServer({ deps, auth }, metrics, logger);

  return {
    config,
    deps,
    server,
    logger,
    async start() {
      if (!config.adminKey) {
        const key = await ensureAdminKey(database, config.dataDir);
        if (key) say(`admin key (shown once, also in ${config.dataDir}/admin.key): ${key}`);
      }
      for (const line of config.channelsOff) say(line);
      const address = await server.listen({ host: config.host, port: config.port });
      say(`countersign listening on ${address} (database: ${database.kind})`);
      return address;
    },
    async stop() {
      await server.close();
      if (ownsDatabase) await database.close();
    },
  };
}
