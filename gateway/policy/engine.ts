// The policy engine: policies are compiled once when the resources load (see compile.ts), and their
// rules indexed by what they key on (rule-index.ts), so evaluating a call tries only the rules that
// could match its tool and agent — a few, whether the policy set holds ten rules or ten thousand.
// Conditions on the tool's own facts are settled once per tool; a call checks just agent and input.
// Condition semantics are described in conditions.ts.
//
// Precedence, beyond CONTRACT.md section 2:
// - Deny beats require beats allow. The first matching deny (load order: files sorted, then
//   documents, then rules, then a policy's toolPolicy lists) decides. Among require matches the first
//   one in load order that carries routing wins; a require match without routing (a
//   toolPolicy.requireApproval name in a policy without toolPolicy.approvalRouting) is refused with
//   no_route when no routed require matched.
// - When no rule matches, toolPolicy.default of the applicable policies decides (deny if any says
//   deny), before the read-only default.
import type { AgentResource, ResourceSet, ToolResource } from "../../model/resources.ts";
import { type CompiledPolicy, type CompiledRule, compilePolicy } from "./compile.ts";
import { deniesOutright } from "./outright.ts";
import { type IndexedRule, RuleIndex } from "./rule-index.ts";
import type { PolicyDecision, PolicyRequest } from "./types.ts";

export interface PolicyEngine {
  evaluate(req: PolicyRequest): PolicyDecision;
  /** Whether every call of this agent to this tool is denied, whatever its input (tools/list hides it). */
  deniesOutright(agent: AgentResource, tool: ToolResource): boolean;
}

export function compilePolicies(resources: ResourceSet): PolicyEngine {
  const policies = resources.policies.map((p) => compilePolicy(p, resources));
  const index = new RuleIndex(policies);
  return {
    evaluate(req) {
      const [anyAgent, named] = index.forCall(req);
      return decide(anyAgent, named, index.withDefault, req);
    },
    deniesOutright: (agent, tool) => deniesOutright(policies, agent, tool),
  };
}

/**
 * The plain walk the index must agree with: every rule of every policy, in load order. Kept for tests
 * (test/unit/policy-index.test.ts compares the two on random policy sets); not used to serve calls.
 */
export function compilePoliciesUnindexed(resources: ResourceSet): Pick<PolicyEngine, "evaluate"> {
  const policies = resources.policies.map((p) => compilePolicy(p, resources));
  const all = policies.flatMap((policy) => policy.rules.map((rule) => ({ rule, policy, seq: 0 })));
  all.forEach((entry, seq) => {
    entry.seq = seq;
  });
  const withDefault = policies.filter((p) => p.default);
  return {
    evaluate: (req) =>
      decide(
        all.filter((e) => e.rule.toolHolds(req)),
        [],
        withDefault,
        req,
      ),
  };
}

/** Decides a call from its candidate rules (two lists, each in load order) and the policies' defaults. */
function decide(
  anyAgent: readonly IndexedRule[],
  named: readonly IndexedRule[],
  withDefault: readonly CompiledPolicy[],
  req: PolicyRequest,
): PolicyDecision {
  const tool = req.tool.name;
  let routedRequire: CompiledRule | undefined;
  let unroutedRequire: CompiledRule | undefined;
  let allow: CompiledRule | undefined;

  let i = 0;
  let j = 0;
  while (i < anyAgent.length || j < named.length) {
    const next = j >= named.length || (i < anyAgent.length && anyAgent[i]!.seq < named[j]!.seq);
    const { rule, policy } = next ? anyAgent[i++]! : named[j++]!;
    // Only a deny can still change the outcome once a routed require matched, or the first allow.
    if (rule.action === "allow" && (allow || routedRequire)) continue;
    if (rule.action === "require" && routedRequire) continue;
    if (!policy.appliesTo(req.agent) || !rule.callHolds(req)) continue;
    if (rule.action === "deny") {
      return denied("denied", rule.policy, rule.rule, `denied by policy ${rule.policy} rule ${rule.rule}`);
    }
    if (rule.action === "allow") allow = rule;
    else if (rule.routing) routedRequire = rule;
    else unroutedRequire ??= rule;
  }

  let fallback: { policy: string; outcome: "allow" | "deny" } | undefined;
  for (const policy of withDefault) {
    if (!policy.appliesTo(req.agent)) continue;
    if (!fallback || (fallback.outcome === "allow" && policy.default === "deny")) {
      fallback = { policy: policy.name, outcome: policy.default! };
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
