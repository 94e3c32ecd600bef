// The rules a call can match, found without trying every rule: built once when the policies compile,
// rules are filed by what they key on (rule-keys.ts) — exact tool name, tool-name glob prefix,
// side-effect level, or any tool — and within a tool by agent name. A call's candidates keep load order
// (each rule's `seq`), so evaluation sees the same rules in the same order as a walk over all of them,
// minus rules that could not have held.
import type { CompiledPolicy, CompiledRule } from "./compile.ts";
import type { PolicyRequest } from "./types.ts";

export interface IndexedRule {
  rule: CompiledRule;
  policy: CompiledPolicy;
  /** Position in load order. */
  seq: number;
}

/** One tool's rules: those for any agent, and those naming agents, each list in load order. */
interface ToolRules {
  anyAgent: IndexedRule[];
  byAgent: Map<string, IndexedRule[]>;
}

const NONE: IndexedRule[] = [];

function fileUnder<K>(map: Map<K, IndexedRule[]>, key: K, entry: IndexedRule) {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

export class RuleIndex {
  private readonly byName = new Map<string, IndexedRule[]>();
  private readonly byPrefix = new Map<string, IndexedRule[]>();
  private readonly prefixLengths: number[];
  private readonly byLevel = new Map<unknown, IndexedRule[]>();
  private readonly anyTool: IndexedRule[] = [];
  /** Keyed by the Tool object the resources hold; tools are not changed after loading. */
  private readonly perTool = new WeakMap<object, ToolRules>();
  /** Policies with a toolPolicy.default, in load order. */
  readonly withDefault: CompiledPolicy[];

  constructor(policies: readonly CompiledPolicy[]) {
    let seq = 0;
    for (const policy of policies) {
      for (const rule of policy.rules) {
        const entry = { rule, policy, seq: seq++ };
        const key = rule.toolKey;
        if (key.kind === "any") this.anyTool.push(entry);
        else if (key.kind === "levels") for (const level of key.levels) fileUnder(this.byLevel, level, entry);
        else {
          for (const name of key.names) fileUnder(this.byName, name, entry);
          for (const prefix of key.prefixes) fileUnder(this.byPrefix, prefix, entry);
        }
      }
    }
    this.prefixLengths = [...new Set([...this.byPrefix.keys()].map((p) => p.length))];
    this.withDefault = policies.filter((p) => p.default);
  }

  /** The rules that can hold for this call, as two lists in load order (merge them by seq). */
  forCall(req: PolicyRequest): [IndexedRule[], IndexedRule[]] {
    const rules = this.forTool(req.tool);
    return [rules.anyAgent, rules.byAgent.get(req.agent.name) ?? NONE];
  }

  private forTool(tool: PolicyRequest["tool"]): ToolRules {
    // Pseudo-tools are built afresh for each SDK approval, so there is nothing to reuse.
    if (!tool.sideEffects) return this.build(tool);
    let rules = this.perTool.get(tool);
    if (!rules) {
      rules = this.build(tool);
      this.perTool.set(tool, rules);
    }
    return rules;
  }

  private build(tool: PolicyRequest["tool"]): ToolRules {
    const name = tool.name;
    const found = new Set<IndexedRule>(this.byName.get(name));
    for (const length of this.prefixLengths) {
      if (length > name.length) continue;
      for (const entry of this.byPrefix.get(name.slice(0, length)) ?? NONE) found.add(entry);
    }
    const level = tool.sideEffects?.level;
    if (level !== undefined) for (const entry of this.byLevel.get(level) ?? NONE) found.add(entry);
    for (const entry of this.anyTool) found.add(entry);
    // A call is judged by its tool and agent too, so those conditions are settled here once.
    const probe = { tool, agent: { name: "", labels: {} }, input: undefined };
    const holding = [...found].filter((e) => e.rule.toolHolds(probe)).sort((a, b) => a.seq - b.seq);
    const rules: ToolRules = { anyAgent: [], byAgent: new Map() };
    for (const entry of holding) {
      const agents = entry.rule.agentNames;
      if (!agents) rules.anyAgent.push(entry);
      else for (const agent of new Set(agents)) fileUnder(rules.byAgent, agent, entry);
    }
    return rules;
  }
}
