// The policy engine: policies are compiled once when the resources load (globs and `matches` to RegExp,
// input paths to key arrays, routing resolved to people), so evaluating a call is a walk over closures.
// Conditions on the tool's own facts (name, side effects, type) are settled once per tool: the first
// call to a tool keeps only the rules that tool can match, and later calls check just agent and input.
//
// Semantics, beyond CONTRACT.md section 2:
// - A condition on a value that is absent (a missing input path, a label the agent lacks, a side-effect
//   fact of a pseudo-tool) never holds, whatever the operator: `{ne: USD}` does not match a call
//   without a currency. Rules speak about facts that are there.
// - A plain value is equality, except for `tool.name`, where it is a glob (`*` any run, `?` one
//   character). Operators compare exactly; `matches` is an unanchored JavaScript regular expression.
// - Ordering operators (gt, gte, lt, lte) hold only for numbers: "100" is not greater than 50.
// - Precedence: deny beats require beats allow. The first matching deny (load order: files sorted, then
//   documents, then rules, then a policy's toolPolicy lists) decides. Among require matches the first
//   one in load order that carries routing wins; a require match without routing (a
//   toolPolicy.requireApproval name in a policy without toolPolicy.approvalRouting) is refused with
//   no_route when no routed require matched.
// - When no rule matches, toolPolicy.default of the applicable policies decides (deny if any says
//   deny), before the read-only default.
import type {
  AgentResource,
  PolicyResource,
  ResourceSet,
  RoutingSpec,
  TeamResource,
} from "../resources/types.ts";
import { SIDE_EFFECT_LEVELS } from "../resources/types.ts";
import type { PolicyDecision, PolicyRequest, ResolvedRouting } from "./types.ts";

export interface PolicyEngine {
  evaluate(req: PolicyRequest): PolicyDecision;
}

const OPERATORS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "matches"] as const;
type Operator = (typeof OPERATORS)[number];

/** A `when` entry that cannot be compiled; `at` is the path below the key (e.g. ["matches"]). */
export class ConditionError extends Error {
  constructor(
    readonly at: string[],
    message: string,
  ) {
    super(message);
  }
}

type Read = (req: PolicyRequest) => unknown;
type Test = (value: unknown) => boolean;
type Match = (req: PolicyRequest) => boolean;

interface Field {
  read: Read;
  /** Reads only facts of the tool, which are the same on every call to it. */
  aboutTool: boolean;
  operators: readonly Operator[];
  /** Says what is wrong with a value compared against this field, if anything. */
  checkValue: (value: unknown) => string | undefined;
  /** Plain values are globs rather than equality. */
  glob?: boolean;
}

const EQUALITY_OPS: readonly Operator[] = ["eq", "ne", "in"];
const STRING_OPS: readonly Operator[] = ["eq", "ne", "in", "matches"];

const anyValue = () => undefined;
const oneOf =
  (allowed: readonly unknown[], what: string) =>
  (value: unknown): string | undefined =>
    allowed.includes(value) ? undefined : `expected ${what} (one of ${allowed.join(", ")})`;
const aString = (value: unknown) => (typeof value === "string" ? undefined : "expected a string");

function fieldFor(key: string): Field {
  switch (key) {
    case "tool.name":
      return {
        read: (r) => r.tool.name,
        aboutTool: true,
        operators: STRING_OPS,
        checkValue: aString,
        glob: true,
      };
    case "tool.sideEffect":
      return {
        read: (r) => r.tool.sideEffects?.level,
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf(SIDE_EFFECT_LEVELS, "a side-effect level"),
      };
    case "tool.idempotent":
      return {
        read: (r) => r.tool.sideEffects?.idempotent,
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf([true, false], "a boolean"),
      };
    case "tool.type":
      return {
        read: (r) => ("type" in r.tool ? r.tool.type : undefined),
        aboutTool: true,
        operators: EQUALITY_OPS,
        checkValue: oneOf(["rest", "decision"], "a tool type"),
      };
    case "agent.name":
      return { read: (r) => r.agent.name, aboutTool: false, operators: STRING_OPS, checkValue: aString };
  }
  if (key.startsWith("agent.labels.") && key.length > "agent.labels.".length) {
    const label = key.slice("agent.labels.".length);
    return {
      read: (r) => (Object.hasOwn(r.agent.labels, label) ? r.agent.labels[label] : undefined),
      aboutTool: false,
      operators: STRING_OPS,
      checkValue: aString,
    };
  }
  if (key.startsWith("input.") && !key.split(".").slice(1).includes("")) {
    const keys = key.split(".").slice(1);
    return {
      read: (r) => readPath(r.input, keys),
      aboutTool: false,
      operators: OPERATORS,
      checkValue: anyValue,
    };
  }
  throw new ConditionError(
    [],
    "unknown key (expected tool.name, tool.sideEffect, tool.idempotent, tool.type, agent.name, " +
      "agent.labels.<label> or input.<path>)",
  );
}

/** Follows object keys and array indices; anything not there is undefined (absent). */
function readPath(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
  );
}

function equalTo(expected: unknown): Test {
  return typeof expected === "object" && expected !== null
    ? (v) => deepEqual(v, expected)
    : (v) => v === expected;
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

function compileOperator(op: Operator, operand: unknown, field: Field): Test {
  const fail = (message: string) => new ConditionError([op], message);
  const checkOperand = (value: unknown) => {
    const problem = field.checkValue(value);
    if (problem) throw fail(problem);
  };
  switch (op) {
    case "eq":
      checkOperand(operand);
      return equalTo(operand);
    case "ne": {
      checkOperand(operand);
      const eq = equalTo(operand);
      return (v) => !eq(v);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      if (typeof operand !== "number" || !Number.isFinite(operand)) throw fail("expected a number");
      const n = operand;
      if (op === "gt") return (v) => typeof v === "number" && v > n;
      if (op === "gte") return (v) => typeof v === "number" && v >= n;
      if (op === "lt") return (v) => typeof v === "number" && v < n;
      return (v) => typeof v === "number" && v <= n;
    }
    case "in": {
      if (!Array.isArray(operand)) throw fail("expected a list");
      operand.forEach(checkOperand);
      const scalars = new Set(operand.filter((x) => typeof x !== "object" || x === null));
      const objects = operand.filter((x) => typeof x === "object" && x !== null);
      return objects.length === 0
        ? (v) => scalars.has(v)
        : (v) => scalars.has(v) || objects.some((o) => deepEqual(v, o));
    }
    case "matches": {
      if (typeof operand !== "string") throw fail("expected a regular expression string");
      let re: RegExp;
      try {
        re = new RegExp(operand);
      } catch (e) {
        throw fail(`invalid regular expression: ${(e as Error).message}`);
      }
      return (v) => typeof v === "string" && re.test(v);
    }
  }
}

function compileValue(value: unknown, field: Field): Test {
  if (!isPlainObject(value)) {
    if (field.glob && typeof value === "string") {
      const re = globToRegExp(value);
      return (v) => typeof v === "string" && re.test(v);
    }
    const problem = field.checkValue(value);
    if (problem) throw new ConditionError([], problem);
    return equalTo(value);
  }
  const ops = Object.keys(value);
  if (ops.length === 0)
    throw new ConditionError([], `expected a value or an operator (${OPERATORS.join(", ")})`);
  const tests = ops.map((op) => {
    if (!(OPERATORS as readonly string[]).includes(op)) {
      throw new ConditionError([op], `unknown operator (expected one of ${OPERATORS.join(", ")})`);
    }
    if (!field.operators.includes(op as Operator)) {
      throw new ConditionError([op], `not available here (use one of ${field.operators.join(", ")})`);
    }
    return compileOperator(op as Operator, value[op], field);
  });
  return tests.length === 1 ? tests[0]! : (v) => tests.every((t) => t(v));
}

/** One `when` entry as a predicate; throws ConditionError for an unknown key, operator or bad operand. */
export function compileCondition(key: string, value: unknown): { aboutTool: boolean; holds: Match } {
  const field = fieldFor(key);
  const test = compileValue(value, field);
  const read = field.read;
  return {
    aboutTool: field.aboutTool,
    holds: (req) => {
      const v = read(req);
      return v !== undefined && test(v);
    },
  };
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

/** team:NAME → every member's email; user:EMAIL → that email. Emails lowercased, each once. */
export function resolvePeople(
  refs: readonly string[],
  resources: Pick<ResourceSet, "teams">,
): { emails: string[]; slackGroups: string[] } {
  const emails = new Set<string>();
  const slackGroups = new Set<string>();
  for (const ref of refs) {
    if (ref.startsWith("user:")) {
      emails.add(ref.slice("user:".length).toLowerCase());
      continue;
    }
    const team: TeamResource | undefined = ref.startsWith("team:")
      ? resources.teams.get(ref.slice("team:".length))
      : undefined;
    // The loader rejects unknown teams, so this is a programming error, not bad YAML.
    if (!team) throw new Error(`cannot resolve approver reference ${ref}`);
    for (const member of team.members) emails.add(member.email.toLowerCase());
    if (team.slackUserGroup) slackGroups.add(team.slackUserGroup);
  }
  return { emails: [...emails], slackGroups: [...slackGroups] };
}

function resolveRouting(spec: RoutingSpec, resources: ResourceSet): ResolvedRouting {
  const approvers = resolvePeople(spec.approvers, resources);
  // Decisions share this object; freezing keeps one caller's edits from leaking into the next call.
  return Object.freeze({
    approverRefs: spec.approvers,
    approvers: approvers.emails,
    approverSlackGroups: approvers.slackGroups,
    channels: spec.channels,
    timeoutMinutes: spec.timeoutMinutes,
    onTimeout: spec.onTimeout,
    rationaleRequired: spec.rationale === "required",
    sla: { ...spec.sla, escalateToEmails: resolvePeople(spec.sla.escalateTo, resources).emails },
  });
}

interface CompiledRule {
  policy: string;
  /** Index in spec.rules; null for toolPolicy name lists. */
  rule: number | null;
  action: "allow" | "deny" | "require";
  routing?: ResolvedRouting;
  /** Reads only req.tool. */
  toolHolds: Match;
  callHolds: Match;
}

interface CompiledPolicy {
  name: string;
  appliesTo: (agent: AgentResource) => boolean;
  rules: CompiledRule[];
  default?: "allow" | "deny";
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

function compilePolicy(policy: PolicyResource, resources: ResourceSet): CompiledPolicy {
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
