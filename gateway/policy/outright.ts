// Whether policy denies a tool to an agent whatever the input: what an MCP tools/list leaves out. It
// follows evaluate()'s precedence with the input unknown: a rule that reads the input may or may not
// hold, so it can never deny for sure, and may always let a call through. Only a certain denial hides
// a tool; a tool some input could reach stays listed (and each call is judged in full).
import type { AgentResource, ToolResource } from "../../model/resources.ts";
import type { CompiledPolicy } from "./compile.ts";

export function deniesOutright(
  policies: readonly CompiledPolicy[],
  agent: AgentResource,
  tool: ToolResource,
): boolean {
  const req = { agent, tool, input: undefined };
  let mayReachHuman = false;
  let mayAllow = false;
  let surelyUnrouted = false;
  let fallback: "allow" | "deny" | undefined;
  for (const policy of policies) {
    if (!policy.appliesTo(agent)) continue;
    if (policy.default && fallback !== "deny") fallback = policy.default;
    for (const rule of policy.rules) {
      if (!rule.toolHolds(req) || !rule.agentHolds(req)) continue;
      if (rule.action === "deny" && !rule.readsInput) return true;
      if (rule.action === "allow") mayAllow = true;
      if (rule.action === "require") {
        if (rule.routing) mayReachHuman = true;
        else if (!rule.readsInput) surelyUnrouted = true;
      }
    }
  }
  if (mayReachHuman) return false;
  // No input leads to a person: an unrouted requirement or requiresApproval refuses it (no_route)…
  if (surelyUnrouted || tool.sideEffects.requiresApproval) return true;
  // …and otherwise only an allow lets it through.
  if (mayAllow || fallback === "allow") return false;
  return fallback === "deny" || tool.sideEffects.level !== "read_only";
}
