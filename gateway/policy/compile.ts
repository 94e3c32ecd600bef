// Compiles one Policy resource into closures: which agents it applies to, and its rules in load order
// (spec.rules first, then the toolPolicy requireApproval and allow lists) with routing resolved.
// Each rule's conditions are split into those about the tool alone, which the engine settles once per
// tool, and those it must check on every call.
import type { AgentResource, PolicyResource, ResourceSet } from "../../model/resources.ts";
import { type ResolvedRouting, resolveRouting } from "../../model/routing.ts";
import { compileCondition, globToRegExp, type Match } from "./conditions.ts";

export interface CompiledRule {
  policy: string;
  /** Index in spec.rules; null for toolPolicy name lists. */
  rule: number | null;
  action: "allow" | "deny" | "require";
  routing?: ResolvedRouting;
  /** Reads only req.tool. */
  toolHolds: Match;
  callHolds: Match;
}

export interface CompiledPolicy {
  name: string;
  appliesTo: (agent: AgentResource) => boolean;
  rules: CompiledRule[];
  default?: "allow" | "deny";
}

const always: Match = () => true;

function allOf(matches: Match[]): Match {
  if (matches.length === 0) return always;
  if (matches.length === 1) return matches[0]!;
  return (req) => {
    for (const match of matches) if (!match(req)) return false;
    return true;
  };
}

/** A rule's conditions split into those settled per tool and those checked on every call. */
function compileWhen(when: Record<string, unknown>): Pick<CompiledRule, "toolHolds" | "callHolds"> {
  const conditions = Object.entries(when).map(([key, value]) => compileCondition(key, value));
  return {
    toolHolds: allOf(conditions.filter((c) => c.aboutTool).map((c) => c.holds)),
    callHolds: allOf(conditions.filter((c) => !c.aboutTool).map((c) => c.holds)),
  };
}

function compileAppliesTo({ agents, matchLabels }: PolicyResource["appliesTo"]): CompiledPolicy["appliesTo"] {
  if (agents) {
    const names = new Set(agents);
    return (agent) => names.has(agent.name);
  }
  if (matchLabels) {
    const wanted = Object.entries(matchLabels);
    return (agent) => wanted.every(([k, v]) => Object.hasOwn(agent.labels, k) && agent.labels[k] === v);
  }
  return () => true;
}

function anyNameMatches(globs: readonly string[]): Match {
  const res = globs.map(globToRegExp);
  return (req) => res.some((re) => re.test(req.tool.name));
}

export function compilePolicy(policy: PolicyResource, resources: ResourceSet): CompiledPolicy {
  const rules: CompiledRule[] = policy.rules.map((rule, index) => ({
    policy: policy.name,
    rule: index,
    action: rule.action,
    routing: rule.routing && resolveRouting(rule.routing, resources),
    ...compileWhen(rule.when),
  }));
  const short = policy.toolPolicy;
  if (short?.requireApproval.length) {
    rules.push({
      policy: policy.name,
      rule: null,
      action: "require",
      routing: short.routing && resolveRouting(short.routing, resources),
      toolHolds: anyNameMatches(short.requireApproval),
      callHolds: always,
    });
  }
  if (short?.allow.length) {
    rules.push({
      policy: policy.name,
      rule: null,
      action: "allow",
      toolHolds: anyNameMatches(short.allow),
      callHolds: always,
    });
  }
  return { name: policy.name, appliesTo: compileAppliesTo(policy.appliesTo), rules, default: short?.default };
}
