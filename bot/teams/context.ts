// What the Teams turn handlers are handed by bot/teams/index.ts.
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { TeamsIdentity } from "./identity.ts";

export interface TeamsContext {
  deps: HandlerDeps;
  identity: TeamsIdentity;
  publicUrl: string;
  logger: Logger;
}
