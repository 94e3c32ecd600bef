import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Gateway } from "../submit/gateway.ts";
import type { KeyAuthenticator } from "./auth.ts";

/** What every route module is handed by the server. */
export interface HttpContext {
  deps: HandlerDeps;
  auth: KeyAuthenticator;
  /** The agents' side: tool calls, the waiter hub, the executor. */
  gateway: Gateway;
  /** COUNTERSIGN_METRICS_PUBLIC=true: /metrics answers without the admin key. */
  metricsPublic?: boolean;
}
