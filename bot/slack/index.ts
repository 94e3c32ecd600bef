// Slack, assembled: the Web API client, the Bolt app over HTTP (our Fastify server, POST /slack/events)
// or Socket Mode (SLACK_APP_TOKEN), the listeners, and the notifier the delivery dispatcher posts through.
import { App, type Authorize } from "@slack/bolt";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { SlackConfig } from "../config.ts";
import { boltLogger } from "./bolt-logger.ts";
import { ChannelDirectory } from "./channels.ts";
import { SlackIdentity } from "./identity.ts";
import { registerListeners } from "./listeners.ts";
import { SlackNotifier } from "./notifier.ts";
import { FastifyReceiver } from "./receiver.ts";
import { createWebClient } from "./web.ts";

export interface Slack {
  notifier: SlackNotifier;
  /** Registers POST /slack/events on the server (HTTP mode only). */
  register(server: FastifyInstance): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface BotAuth {
  botId: string;
  botUserId: string;
  url: string;
}

export function createSlack(
  config: SlackConfig,
  deps: HandlerDeps,
  publicUrl: string,
  logger: Logger,
): Slack {
  const web = createWebClient(config.botToken, config.apiUrl);
  // auth.test once (and again only after a failure): Bolt's own single-token mode would call it per event.
  let auth: Promise<BotAuth> | undefined;
  const botAuth = (): Promise<BotAuth> => {
    auth ??= web.auth.test().then(
      (r) => ({ botId: r.bot_id ?? "", botUserId: r.user_id ?? "", url: r.url ?? "https://slack.com/" }),
      (err) => {
        auth = undefined;
        throw err;
      },
    );
    return auth;
  };
  const authorize: Authorize<boolean> = async () => ({ botToken: config.botToken, ...(await botAuth()) });

  const socketMode = config.appToken !== undefined;
  const receiver = socketMode ? undefined : new FastifyReceiver(config.signingSecret!, logger);
  const app = new App({
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.appToken }),
    authorize,
    clientOptions: { slackApiUrl: config.apiUrl },
    logger: boltLogger(logger),
    // Listeners keep no conversation state; the database holds it all.
    convoStore: false,
  });
  const identity = new SlackIdentity(web, deps, logger);
  registerListeners(app, { deps, web, identity, publicUrl, logger });

  const notifier = new SlackNotifier({
    web,
    channels: new ChannelDirectory(web),
    publicUrl,
    workspaceUrl: async () => (await botAuth()).url,
  });

  return {
    notifier,
    async register(server) {
      if (receiver) await server.register(receiver.plugin);
    },
    async start() {
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
    },
  };
}
