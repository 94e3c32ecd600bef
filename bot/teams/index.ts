// Teams, assembled: Bot Framework authentication, botbuilder's CloudAdapter behind POST /api/messages,
// the turn logic (card actions and the `approvals` command), and the notifier the delivery dispatcher
// posts through. This folder is the only place botbuilder is imported, so its successor replaces it here.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { TeamsConfig } from "../config.ts";
import { TeamsAdapter } from "./adapter.ts";
import { createAuthentication } from "./auth.ts";
import { ConversationDirectory } from "./channels.ts";
import { TeamsIdentity } from "./identity.ts";
import { TeamsNotifier } from "./notifier.ts";
import { messagesRoute } from "./route.ts";
import { turnLogic } from "./turns.ts";

export interface Teams {
  notifier: TeamsNotifier;
  /** Registers POST /api/messages on the server. */
  register(server: FastifyInstance): Promise<void>;
}

export function createTeams(
  config: TeamsConfig,
  deps: HandlerDeps,
  publicUrl: string,
  logger: Logger,
): Teams {
  const adapter = new TeamsAdapter(createAuthentication(config), config.appId);
  adapter.onTurnError = async (_turn, err) => {
    logger.error({ err }, "teams turn failed");
    throw err;
  };
  const identity = new TeamsIdentity(deps, adapter, config.tenantId, logger);
  const logic = turnLogic({ deps, identity, publicUrl, logger });
  const notifier = new TeamsNotifier({
    adapter,
    conversations: new ConversationDirectory(adapter, config.apiUrl),
    serviceUrl: config.apiUrl,
    publicUrl,
    deps,
  });
  return {
    notifier,
    async register(server) {
      await server.register(messagesRoute(adapter, logic, logger));
    },
  };
}
