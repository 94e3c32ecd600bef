// What the policy engine answers for one call. Every outcome names the policy and rule that decided it
// (null where a built-in default decided: the read-only default, requiresApproval fail-safe, …).
import type { AgentResource, ToolResource } from "../../model/resources.ts";
import type { ResolvedRouting } from "../../model/routing.ts";

export interface PolicyRequest {
  agent: AgentResource;
  /** For SDK approvals (POST /v1/approvals) a pseudo-tool named after the action, with no side-effect facts. */
  tool: ToolResource | { name: string; sideEffects?: undefined };
  input: unknown;
}

export type PolicyDecision =
  | { outcome: "allow"; policy: string | null; rule: number | null; reason: string }
  | {
      outcome: "deny";
      /** denied (a rule said deny), no_policy (nothing matched a non-read-only tool), no_route. */
      code: "denied" | "no_policy" | "no_route";
      policy: string | null;
      rule: number | null;
      reason: string;
    }
  | { outcome: "require_approval"; policy: string | null; rule: number | null; routing: ResolvedRouting };
