// Compiles one Policy resource into closures: which agents it applies to, and its rules in load order
// (spec.rules first, then the toolPolicy requireApproval and allow lists) with routing resolved.
// Each rule's conditions are split into those about the tool alone, which the engine settles once per
// tool, and those it must check on every call.
import type { AgentResource, PolicyResource, ResourceSet } from "../../model/resources.ts";
import { type ResolvedRouting, resolveRouting } from "../../model/routing.ts";
import { compileCondition, globToRegExp, type Match } from "./conditions.ts";
import { agentNamesOf, namesOfGlobs, type ToolKey, toolKeyOf } from "./rule-keys.ts";

export interface CompiledRule {
  policy: string;
  /** Index in spec.rules; null for toolPolicy name lists. */
  rule: number | null;
  action: "allow" | "deny" | "require";
  routing?: ResolvedRouting;
  /** Reads only req.tool. */
  toolHolds: Match;
  callHolds: Match;
  /** The part of callHolds that reads the agent, not the input (what a tools/list can know). */
  agentHolds: Match;
  /** Whether any condition reads the input (then some inputs may escape the rule). */
  readsInput: boolean;
  /** What the rule index files it under (rule-keys.ts). */
  toolKey: ToolKey;
  agentNames?: string[] | undefined;
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

type When = Pick<CompiledRule, "toolHolds" | "callHolds" | "agentHolds" | "readsInput">;

/** A rule's conditions split into those settled per tool and those checked on every call. */
function compileWhen(when: Record<string, unknown>): When {
  const conditions = Object.entries(when).map(([key, value]) => ({
    readsInput: key.startsWith("input."),
    ...compileCondition(key, value),
  }));
  const perCall = conditions.filter((c) => !c.aboutTool);
  return {
    toolHolds: allOf(conditions.filter((c) => c.aboutTool).map((c) => c.holds)),
    callHolds: allOf(perCall.map((c) => c.holds)),
    agentHolds: allOf(perCall.filter((c) => !c.readsInput).map((c) => c.holds)),
    readsInput: perCall.some((c) => c.readsInput),
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
    toolKey: toolKeyOf(rule.when),
    agentNames: agentNamesOf(rule.when, policy.appliesTo.agents),
  }));
  const agentNames = policy.appliesTo.agents && [...policy.appliesTo.agents];
  const short = policy.toolPolicy;
  if (short?.requireApproval.length) {
    rules.push({
      policy: policy.name,
      rule: null,
      action: "require",
      routing: short.routing && resolveRouting(short.routing, resources),
      toolHolds: anyNameMatches(short.requireApproval),
      callHolds: always,
      agentHolds: always,
      readsInput: false,
      toolKey: namesOfGlobs(short.requireApproval),
      agentNames,
    });
  }
  if (short?.allow.length) {
    rules.push({
      policy: policy.name,
      rule: null,
      action: "allow",
      toolHolds: anyNameMatches(short.allow),
      callHolds: always,
      agentHolds: always,
      readsInput: false,
      toolKey: namesOfGlobs(short.allow),
      agentNames,
    });
  }
  return { name: policy.name, appliesTo: compileAppliesTo(policy.appliesTo), rules, default: short?.default };
}
