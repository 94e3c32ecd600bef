// The composition root: builds everything from config and hands back {server, deps, start, stop}.
// Tests build the same root, with fakes only at the edges (the Slack API URL, a clock, an SMTP sink).
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { type DataFolderLock, lockDataFolder } from "../db/data-folder-lock.ts";
import { type Database, openDatabase } from "../db/open.ts";
import { isFreshDataDir } from "../db/pglite.ts";
import { KeyAuthenticator } from "../gateway/http/auth.ts";
import { createMetrics } from "../gateway/http/metrics.ts";
import { buildServer } from "../gateway/http/server.ts";
import { mcpRoutes } from "../gateway/mcp/routes.ts";
import { McpSessions, type McpSessionsOptions } from "../gateway/mcp/sessions.ts";
import { compilePolicies } from "../gateway/policy/engine.ts";
import { loadResources } from "../gateway/resources/load.ts";
import { createGateway, type Gateway, type GatewayOptions } from "../gateway/submit/gateway.ts";
import { type Clock, systemClock } from "../handlers/clock.ts";
import type { HandlerDeps } from "../handlers/deps.ts";
import type { ResourceSet } from "../model/resources.ts";
import { ADMIN_KEY_FILE, ensureAdminKey } from "./admin-key.ts";
import { AuditCheckpointer } from "./audit-checkpointer.ts";
import { loadAuditKeys } from "./audit-key.ts";
import type { Config } from "./config.ts";
import { DeliveryDispatcher } from "./deliveries/dispatcher.ts";
import type { Notifier } from "./deliveries/notifier.ts";
import { HttpListener } from "./listener.ts";
import { createLogger } from "./logger.ts";
import { Sweeper } from "./sweeper.ts";
import { createConsole } from "./web/index.ts";
import { OIDC_CALLBACK_PATH } from "./web/oidc/routes.ts";

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
  /** MCP sessions' timings (tests shorten the progress interval). */
  mcp?: McpSessionsOptions;
  /** The HTTP port, already bound (`countersign serve` binds it first); otherwise bound by start(). */
  listener?: HttpListener;
  /** The PGlite data folder's lock, already taken (`countersign serve` takes it early); the app releases it. */
  dataFolderLock?: DataFolderLock;
}

export interface App {
  config: Config;
  deps: HandlerDeps;
  server: FastifyInstance;
  dispatcher: DeliveryDispatcher;
  sweeper: Sweeper;
  /** Signs the audit chain's head periodically and on stop. */
  checkpointer: AuditCheckpointer;
  gateway: Gateway;
  mcpSessions: McpSessions;
  logger: Logger;
  /** Listens on config.host:port; resolves to the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const say = options.say ?? ((line: string) => console.log(line));
  const resources = options.resources ?? (await loadResources(config.resourcesPath));
  // PGlite is one process's database: the folder is locked before anything opens it.
  const embedded = options.database === undefined && !config.databaseUrl;
  const pgliteDir = path.join(config.dataDir, "pglite");
  const lock = options.dataFolderLock ?? (embedded ? lockDataFolder(config.dataDir) : undefined);
  let database: Database;
  try {
    if (embedded && isFreshDataDir(pgliteDir))
      say(`preparing the embedded database in ${pgliteDir} (first start)…`);
    database =
      options.database ??
      (await openDatabase({
        databaseUrl: config.databaseUrl,
        dataDir: config.databaseUrl ? undefined : pgliteDir,
        onError: (err) => logger.error({ err }, "database connection error"),
      }));
  } catch (err) {
    lock?.release();
    throw err;
  }
  if (database.origin === "initdb" && embedded) {
    say(
      "(the build's PGlite seed was missing or did not match db/migrations: initdb ran instead; npm run build)",
    );
  }
  const ownsDatabase = options.database === undefined;
  const deps: HandlerDeps = { database, clock: options.clock ?? systemClock, resources: () => resources };

  let audit: ReturnType<typeof loadAuditKeys>;
  try {
    audit = loadAuditKeys(config.audit);
  } catch (err) {
    if (ownsDatabase) await database.close();
    lock?.release();
    throw err;
  }
  const checkpointer = new AuditCheckpointer(deps, audit, logger, config.audit.checkpointSeconds * 1000);
  const auth = new KeyAuthenticator(database, deps.clock, config.adminKey);
  // Policies compile once here, their rules indexed; a call then tries only the rules that could match.
  const gateway = createGateway(deps, compilePolicies(resources), logger, {
    approvalsPerAgentPerMinute: config.approvalsPerAgentPerMinute,
    ...options.gateway,
  });
  const metrics = createMetrics(deps, () => gateway.hub.size);
  const listener = options.listener ?? new HttpListener();
  const server = buildServer(
    { deps, auth, gateway, audit, metricsPublic: config.metricsPublic },
    metrics,
    logger,
    listener.factory,
  );
  // Agents' MCP clients: /mcp/SERVER, beside the API on the same server.
  const mcpSessions = new McpSessions(gateway, logger, options.mcp);
  mcpRoutes(server, {
    auth,
    gateway,
    sessions: mcpSessions,
    origins: { publicUrl: config.publicUrl, listenHost: config.host },
  });

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
  // The web console for people, beside the API; with email on, /console/login mails sign-in links.
  const webConsole = createConsole({
    deps,
    publicUrl: config.publicUrl,
    logger,
    mailSignInLink: email?.mailSignInLink,
    // openid-client loads only when OpenID Connect is on, like the platform SDKs.
    oidc: config.oidc
      ? new (await import("./web/oidc/sign-in.ts")).OidcSignIn(config.oidc, {
          redirectUri: `${config.publicUrl}${OIDC_CALLBACK_PATH}`,
        })
      : undefined,
  });
  await webConsole.register(server, auth);
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
    checkpointer,
    gateway,
    mcpSessions,
    logger,
    async start() {
      if (!config.adminKey) {
        const key = await ensureAdminKey(database, config.dataDir);
        // Start-up lines end up in container logs: they say where the key is, never the key.
        if (key)
          say(`admin key generated and written to ${path.join(config.dataDir, ADMIN_KEY_FILE)} (mode 600)`);
      }
      for (const line of config.channelsOff) say(line);
      if (config.oidc) {
        say(
          `console sign-in: OpenID Connect through ${config.oidc.issuer} (redirect URI to register: ${config.publicUrl}${OIDC_CALLBACK_PATH})`,
        );
      }
      // Requests get 503 "starting" until recovery has run: on PGlite it takes every executing call for
      // a dead one, which must not race a call the new process just started.
      const address = listener.url ?? (await listener.listen(config.host, config.port));
      await gateway.start();
      await auth.start();
      await webConsole.start();
      mcpSessions.start();
      await server.ready();
      listener.ready();
      await dispatcher.start();
      await slack?.start();
      sweeper.start();
      checkpointer.start();
      say(`countersign listening on ${address} (database: ${database.kind})`);
      return address;
    },
    async stop() {
      auth.stop();
      webConsole.stop();
      await mcpSessions.stop();
      await gateway.stop();
      await listener.close();
      await server.close();
      // No request is left to record a call: store the records still queued before the database closes.
      await gateway.finishedCalls.drain();
      await slack?.stop();
      await sweeper.stop();
      await dispatcher.stop();
      // After everything that appends to the log: the last checkpoint covers the whole run.
      await checkpointer.stop();
      // After the dispatcher: a send under way finishes on the open transport.
      email?.stop();
      if (ownsDatabase) await database.close();
      lock?.release();
    },
  };
}
