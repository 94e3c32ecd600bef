// The policy engine: policies are compiled once when the resources load (see compile.ts), so
// evaluating a call is a walk over closures. Conditions on the tool's own facts (name, side effects,
// type) are settled once per tool: the first call to a tool keeps only the rules that tool can match,
// and later calls check just agent and input. Condition semantics are described in conditions.ts.
//
// Precedence, beyond CONTRACT.md section 2:
// - Deny beats require beats allow. The first matching deny (load order: files sorted, then
//   documents, then rules, then a policy's toolPolicy lists) decides. Among require matches the first
//   one in load order that carries routing wins; a require match without routing (a
//   toolPolicy.requireApproval name in a policy without toolPolicy.approvalRouting) is refused with
//   no_route when no routed require matched.
// - When no rule matches, toolPolicy.default of the applicable policies decides (deny if any says
//   deny), before the read-only default.
import type { ResourceSet } from "../../model/resources.ts";
import { type CompiledPolicy, type CompiledRule, compilePolicy } from "./compile.ts";
import type { PolicyDecision, PolicyRequest } from "./types.ts";

export interface PolicyEngine {
  evaluate(req: PolicyRequest): PolicyDecision;
}

export function compilePolicies(resources: ResourceSet): PolicyEngine {
  const policies = resources.policies.map((p) => compilePolicy(p, resources));
  // Keyed by the Tool object the resources hold; tools are not changed after loading.
  const byTool = new WeakMap<object, CompiledPolicy[]>();
  const narrowFor = (req: PolicyRequest) =>
    policies.map((p) => ({ ...p, rules: p.rules.filter((rule) => rule.toolHolds(req)) }));
  return {
    evaluate(req) {
      // Pseudo-tools are built afresh for each SDK approval, so there is nothing to reuse.
      if (!req.tool.sideEffects) return evaluate(narrowFor(req), req);
      let narrowed = byTool.get(req.tool);
      if (!narrowed) {
        narrowed = narrowFor(req);
        byTool.set(req.tool, narrowed);
      }
      return evaluate(narrowed, req);
    },
  };
}

function evaluate(policies: readonly CompiledPolicy[], req: PolicyRequest): PolicyDecision {
  const tool = req.tool.name;
  let routedRequire: CompiledRule | undefined;
  let unroutedRequire: CompiledRule | undefined;
  let allow: CompiledRule | undefined;
  let fallback: { policy: string; outcome: "allow" | "deny" } | undefined;

  for (const policy of policies) {
    if (!policy.appliesTo(req.agent)) continue;
    if (policy.default && (!fallback || (fallback.outcome === "allow" && policy.default === "deny"))) {
      fallback = { policy: policy.name, outcome: policy.default };
    }
    for (const rule of policy.rules) {
      // Only a deny can still change the outcome once a routed require matched, or the first allow.
      if (rule.action === "allow" && (allow || routedRequire)) continue;
      if (rule.action === "require" && routedRequire) continue;
      if (!rule.callHolds(req)) continue;
      if (rule.action === "deny") {
        return denied("denied", rule.policy, rule.rule, `denied by policy ${rule.policy} rule ${rule.rule}`);
      }
      if (rule.action === "allow") allow = rule;
      else if (rule.routing) routedRequire = rule;
      else unroutedRequire ??= rule;
    }
  }

  if (routedRequire) {
    return {
      outcome: "require_approval",
      policy: routedRequire.policy,
      rule: routedRequire.rule,
      routing: routedRequire.routing!,
    };
  }
  if (unroutedRequire) {
    const { policy, rule } = unroutedRequire;
    return denied(
      "no_route",
      policy,
      rule,
      `policy ${policy} requires approval for ${tool} but gives no routing`,
    );
  }
  if (req.tool.sideEffects?.requiresApproval) {
    return denied("no_route", null, null, `tool ${tool} requires approval but no policy rule routes it`);
  }
  if (allow) return { outcome: "allow", policy: allow.policy, rule: allow.rule, reason: allowReason(allow) };
  if (fallback?.outcome === "allow") {
    return { outcome: "allow", policy: fallback.policy, rule: null, reason: "tool_policy_default" };
  }
  if (fallback?.outcome === "deny") {
    return denied(
      "denied",
      fallback.policy,
      null,
      `denied by toolPolicy.default of policy ${fallback.policy}`,
    );
  }
  if (req.tool.sideEffects?.level === "read_only")
    return { outcome: "allow", policy: null, rule: null, reason: "read_only_default" };
  return denied("no_policy", null, null, `no policy rule matches ${tool} and it is not read_only`);
}

function denied(
  code: "denied" | "no_policy" | "no_route",
  policy: string | null,
  rule: number | null,
  reason: string,
): PolicyDecision {
  return { outcome: "deny", code, policy, rule, reason };
}

function allowReason(rule: CompiledRule): string {
  return rule.rule === null ? "tool_policy_allow" : "rule_allow";
}
