// The composition root: builds everything from config and hands back {server, deps, start, stop}.
// Tests build the same root, with fakes only at the edges (the Slack API URL, a clock, an SMTP sink).
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type Database, openDatabase } from "../db/open.ts";
import { KeyAuthenticator } from "../gateway/http/auth.ts";
import { createMetrics } from "../gateway/http/metrics.ts";
import { buildServer } from "../gateway/http/server.ts";
import { compilePolicies } from "../gateway/policy/engine.ts";
import { loadResources } from "../gateway/resources/load.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../gateway/submit/gateway.ts";
import { type Clock, systemClock } from "../handlers/clock.ts";
import type { HandlerDeps } from "../handlers/deps.ts";
import type { ResourceSet } from "../model/resources.ts";
import { ensureAdminKey } from "./admin-key.ts";
import type { Config } from "./config.ts";
import { DeliveryDispatcher } from "./deliveries/dispatcher.ts";
import type { Notifier } from "./deliveries/notifier.ts";
import { createLogger } from "./logger.ts";
import { Sweeper } from "./sweeper.ts";

export interface AppOptions {
  clock?: Clock;
  logger?: Logger;
  /** An already open database (tests); otherwise opened from config. */
  database?: Database;
  /** Already loaded resources (tests); otherwise loaded from config.resourcesPath. */
  resources?: ResourceSet;
  /** Where start-up lines go (the admin key, channels that are off). */
  say?: (line: string) => void;
  /** How often the outbox is polled besides NOTIFY wake-ups (tests shorten it). */
  deliveryPollMs?: number;
  /** Executor and waiter timings (tests shorten leases and the fallback poll). */
  gateway?: GatewayOptions;
}

export interface App {
  config: Config;
  deps: HandlerDeps;
  server: FastifyInstance;
  dispatcher: DeliveryDispatcher;
  sweeper: Sweeper;
  gateway: Gateway;
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

  const auth = new KeyAuthenticator(database, deps.clock, config.adminKey);
  const metrics = createMetrics(deps);
  // Policies compile once here; every call is then a walk over closures.
  const gateway = createGateway(deps, compilePolicies(resources), logger, options.gateway);
  const server = buildServer({ deps, auth, gateway }, metrics, logger);

  // One notifier per platform that is on; deliveries to a platform that is off fail with its reason.
  // Platform modules load only when their platform is on: their SDKs cost tens of MB of memory.
  const notifiers: Notifier[] = [];
  const slack = config.slack
    ? (await import("./slack/index.ts")).createSlack(config.slack, deps, config.publicUrl, logger)
    : undefined;
  if (slack) {
    notifiers.push(slack.notifier);
    await slack.register(server);
  }
  const email = config.email
    ? (await import("./email/index.ts")).createEmail(config.email, deps, config.publicUrl, logger)
    : undefined;
  if (email) {
    notifiers.push(email.notifier);
    await email.register(server);
  }
  const teams = config.teams
    ? (await import("./teams/index.ts")).createTeams(config.teams, deps, config.publicUrl, logger)
    : undefined;
  if (teams) {
    notifiers.push(teams.notifier);
    await teams.register(server);
  }
  const dispatcher = new DeliveryDispatcher({
    deps,
    notifiers,
    offReasons: Object.fromEntries(
      config.channelsOff.map((line) => [line.slice(0, line.indexOf(":")), line]),
    ),
    logger,
    pollMs: options.deliveryPollMs,
  });

  const sweeper = new Sweeper({
    deps,
    logger,
    schedule: config.sweepCron,
    onChange: () => dispatcher.kick(),
  });

  return {
    config,
    deps,
    server,
    dispatcher,
    sweeper,
    gateway,
    logger,
    async start() {
      if (!config.adminKey) {
        const key = await ensureAdminKey(database, config.dataDir);
        if (key) say(`admin key (shown once, also in ${config.dataDir}/admin.key): ${key}`);
      }
      for (const line of config.channelsOff) say(line);
      // Before listening: on PGlite the recovery pass takes every executing call for a dead one.
      await gateway.start();
      await auth.start();
      const address = await server.listen({ host: config.host, port: config.port });
      await dispatcher.start();
      await slack?.start();
      sweeper.start();
      say(`countersign listening on ${address} (database: ${database.kind})`);
      return address;
    },
    async stop() {
      auth.stop();
      await gateway.stop();
      await server.close();
      await slack?.stop();
      await sweeper.stop();
      await dispatcher.stop();
      // After the dispatcher: a send under way finishes on the open transport.
      email?.stop();
      if (ownsDatabase) await database.close();
    },
  };
}
