// What the Slack listeners are handed by the composition root.
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { SlackIdentity } from "./identity.ts";
import type { WebClient } from "./web.ts";

export interface SlackContext {
  deps: HandlerDeps;
  web: WebClient;
  identity: SlackIdentity;
  publicUrl: string;
  logger: Logger;
}
