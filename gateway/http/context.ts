import type { AuditKeys } from "../../handlers/audit-checkpoints.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Gateway } from "../submit/gateway.ts";
import type { KeyAuthenticator } from "./auth.ts";

/** What every route module is handed by the server. */
export interface HttpContext {
  deps: HandlerDeps;
  auth: KeyAuthenticator;
  /** The agents' side: tool calls, the waiter hub, the executor. */
  gateway: Gateway;
  /** Signs audit checkpoints and says which keys verify trusts (keys from outside the database). */
  audit: AuditKeys;
  /** COUNTERSIGN_METRICS_PUBLIC=true: /metrics answers without the admin key. */
  metricsPublic?: boolean;
}
