// The rule index must never change a decision: on random policy sets and calls, the indexed engine
// answers exactly what the plain walk over every rule in load order answers (outcome, policy, rule).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicies, compilePoliciesUnindexed } from "../../gateway/policy/engine.ts";
import { parseResourceFiles } from "../../gateway/resources/load.ts";

const V1 = "apiVersion: countersign.dev/v1alpha1";
const TOOL_NAMES = ["refund.issue", "refund.void", "ticket.read", "ticket.triage", "deploy.prod", "re"];
const LEVELS = ["read_only", "local_write", "external_write", "financial", "privileged"];
const AGENTS = ["support-bot", "ops-bot", "stranger"];

/** Each tool's side-effect level; ticket.triage also requires approval. */
const LEVEL_OF: Record<string, string> = {
  "refund.issue": "financial",
  "refund.void": "financial",
  "ticket.read": "read_only",
  "ticket.triage": "local_write",
  "deploy.prod": "privileged",
  re: "external_write",
};
const TOOLS = TOOL_NAMES.map(
  (name) => `${V1}
kind: Tool
metadata: { name: ${name} }
spec:
  type: decision
  sideEffects: { level: ${LEVEL_OF[name]}, requiresApproval: ${name === "ticket.triage"} }`,
);
const PEOPLE = `${V1}
kind: Team
metadata: { name: leads }
spec: { members: [{ email: ana@example.com }] }`;

// Globs and names chosen to overlap: exact names, prefixes of several tools, a prefix of nothing.
const nameValue = fc.constantFrom(
  ...TOOL_NAMES.map((n) => JSON.stringify(n)),
  '"refund.*"',
  '"re*"',
  '"ticket.?ead"',
  '"*.prod"',
  '"nothing.*"',
  '{ eq: "refund.issue" }',
  '{ in: ["ticket.read", "deploy.prod"] }',
  '{ ne: "refund.issue" }',
  '{ matches: "^ticket" }',
);
const condition = fc.oneof(
  nameValue.map((v) => `tool.name: ${v}`),
  fc.constantFrom(...LEVELS).map((l) => `tool.sideEffect: ${l}`),
  fc.constantFrom(...LEVELS).map((l) => `tool.sideEffect: { in: [${l}, read_only] }`),
  fc.constantFrom(...AGENTS).map((a) => `agent.name: ${a}`),
  fc.constantFrom(...AGENTS).map((a) => `agent.name: { ne: ${a} }`),
  fc.constantFrom("gold", "silver").map((t) => `agent.labels.tier: ${t}`),
  fc.integer({ min: 0, max: 100 }).map((n) => `input.amount: { gt: ${n} }`),
  fc.boolean().map((b) => `tool.idempotent: ${b}`),
);
const ROUTE = "{ approvalRouting: { approvers: [team:leads], timeoutMinutes: 60, onTimeout: deny } }";
const action = fc.constantFrom("action: deny", "action: allow", `require: ${ROUTE}`);
const rule = fc
  .record({
    conditions: fc.uniqueArray(condition, { maxLength: 3, selector: (c) => c.split(":")[0] }),
    action,
  })
  .map(({ conditions, action }) => `    - { when: { ${conditions.join(", ")} }, ${action} }`);
const appliesTo = fc.constantFrom(
  "{}",
  "{ agents: [support-bot] }",
  "{ agents: [ops-bot, stranger] }",
  "{ agents: { selector: { matchLabels: { tier: gold } } } }",
);
const globs = fc.uniqueArray(fc.constantFrom(...TOOL_NAMES, "refund.*", "ticket.?ead", "*"), {
  maxLength: 2,
});
const toolPolicy = fc.option(
  fc
    .record({
      default: fc.constantFrom("", "default: allow", "default: deny"),
      allow: globs,
      requireApproval: globs,
      routed: fc.boolean(),
    })
    .map(
      (t) =>
        `  toolPolicy:\n${t.default ? `    ${t.default}\n` : ""}    allow: ${JSON.stringify(t.allow)}\n` +
        `    requireApproval: ${JSON.stringify(t.requireApproval)}\n` +
        (t.routed
          ? "    approvalRouting: { approvers: [team:leads], timeoutMinutes: 60, onTimeout: deny }\n"
          : ""),
    ),
  { nil: "" },
);
const policy = fc.record({ appliesTo, rules: fc.array(rule, { minLength: 1, maxLength: 8 }), toolPolicy });
const policySet = fc.array(policy, { minLength: 1, maxLength: 6 });
const call = fc.record({
  tool: fc.constantFrom(...TOOL_NAMES, "refund.pseudo", "x"),
  agent: fc.constantFrom(...AGENTS),
  tier: fc.constantFrom("gold", "silver", undefined),
  amount: fc.integer({ min: -5, max: 105 }),
});

function resourcesFor(policies: { appliesTo: string; rules: string[]; toolPolicy: string }[]) {
  const docs = policies.map(
    (p, i) =>
      `${V1}\nkind: Policy\nmetadata: { name: p${i} }\nspec:\n  appliesTo: ${p.appliesTo}\n` +
      `  rules:${p.rules.length ? `\n${p.rules.join("\n")}` : " []"}\n${p.toolPolicy}`,
  );
  return parseResourceFiles([{ file: "r.yaml", text: [PEOPLE, ...TOOLS, ...docs].join("\n---\n") }]);
}

describe("the policy rule index", () => {
  it("decides every call as the walk over all rules in load order does", () => {
    fc.assert(
      fc.property(policySet, fc.array(call, { minLength: 1, maxLength: 20 }), (policies, calls) => {
        const resources = resourcesFor(policies);
        const indexed = compilePolicies(resources);
        const plain = compilePoliciesUnindexed(resources);
        for (const c of calls) {
          const req = {
            agent: { name: c.agent, labels: c.tier ? { tier: c.tier } : ({} as Record<string, string>) },
            tool: resources.tools.get(c.tool) ?? { name: c.tool },
            input: { amount: c.amount },
          };
          expect(indexed.evaluate(req)).toEqual(plain.evaluate(req));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("finds a rule filed under a tool-name prefix, an exact name, a level and an agent", () => {
    const resources = resourcesFor([
      {
        appliesTo: "{}",
        rules: [
          "    - { when: { tool.name: nothing }, action: deny }",
          '    - { when: { tool.name: "ticket.*", agent.name: ops-bot }, action: deny }',
          "    - { when: { tool.sideEffect: financial, input.amount: { gt: 50 } }, action: deny }",
          "    - { when: { tool.name: { in: [deploy.prod] } }, action: allow }",
        ],
        toolPolicy: "",
      },
    ]);
    const engine = compilePolicies(resources);
    const ask = (tool: string, agent: string, amount = 0) =>
      engine.evaluate({
        agent: { name: agent, labels: {} },
        tool: resources.tools.get(tool)!,
        input: { amount },
      });
    expect(ask("ticket.read", "ops-bot")).toMatchObject({ outcome: "deny", rule: 1 });
    expect(ask("ticket.read", "support-bot")).toMatchObject({
      outcome: "allow",
      reason: "read_only_default",
    });
    expect(ask("refund.issue", "support-bot", 60)).toMatchObject({ outcome: "deny", rule: 2 });
    expect(ask("refund.issue", "support-bot", 10)).toMatchObject({ outcome: "deny", code: "no_policy" });
    expect(ask("deploy.prod", "support-bot")).toMatchObject({ outcome: "allow", rule: 3 });
  });
});
