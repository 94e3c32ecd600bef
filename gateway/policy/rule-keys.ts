// What a rule can be indexed on: facts a call must have for the rule to hold, read from its `when` (or a
// toolPolicy's name globs) when the policy compiles. Each key is a necessary condition only — the rule's
// own conditions still decide — so a key may be broader than the rule, never narrower.
import { isPlainObject } from "./conditions.ts";

/** The tool names (exact, or glob prefixes) or side-effect levels a rule can hold for; "any" otherwise. */
export type ToolKey =
  | { kind: "any" }
  | { kind: "names"; names: string[]; prefixes: string[] }
  | { kind: "levels"; levels: unknown[] };

const ANY_TOOL: ToolKey = { kind: "any" };

/** Values a condition can equal: a plain value, `eq`, or `in`; undefined when it can hold for others too. */
function equalities(value: unknown): unknown[] | undefined {
  if (!isPlainObject(value)) return [value];
  if (Object.hasOwn(value, "eq")) return [value.eq];
  if (Object.hasOwn(value, "in") && Array.isArray(value.in)) return value.in;
  return undefined;
}

/** Glob names as exact names and literal prefixes; undefined when one can match any name. */
export function namesOfGlobs(globs: readonly string[]): ToolKey {
  const names: string[] = [];
  const prefixes: string[] = [];
  for (const glob of globs) {
    const wild = glob.search(/[*?]/);
    if (wild === -1) names.push(glob);
    else if (wild === 0) return ANY_TOOL;
    else prefixes.push(glob.slice(0, wild));
  }
  return { kind: "names", names, prefixes };
}

export function toolKeyOf(when: Record<string, unknown>): ToolKey {
  const name = when["tool.name"];
  if (name !== undefined) {
    // A plain value is a glob; eq and in compare exactly.
    if (typeof name === "string") return namesOfGlobs([name]);
    const exact = equalities(name);
    if (exact) return { kind: "names", names: exact.filter((n) => typeof n === "string"), prefixes: [] };
  }
  const level = when["tool.sideEffect"];
  if (level !== undefined) {
    const levels = equalities(level);
    if (levels) return { kind: "levels", levels };
  }
  return ANY_TOOL;
}

/** The agent names a rule can hold for (its agent.name, or its policy's appliesTo.agents); undefined: any. */
export function agentNamesOf(
  when: Record<string, unknown>,
  policyAgents?: readonly string[],
): string[] | undefined {
  const named = when["agent.name"];
  const own = named === undefined ? undefined : equalities(named)?.filter((n) => typeof n === "string");
  if (own && policyAgents) return own.length <= policyAgents.length ? own : [...policyAgents];
  return own ?? (policyAgents && [...policyAgents]);
}
