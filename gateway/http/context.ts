import type { HandlerDeps } from "../../handlers/deps.ts";
import type { KeyAuthenticator } from "./auth.ts";

/** What every route module is handed by the server. */
export interface HttpContext {
  deps: HandlerDeps;
  auth: KeyAuthenticator;
}
