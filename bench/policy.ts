// Policy evaluation time for 1, 100, 1,000 and 10,000 rules, next to baselines timed the same way in the
// same run, so the figures read as ratios whatever the machine. Run: npm run bench -- policy
//
// The rule sets are spread over many tools, as real policy sets are: rules name a tool (exactly or by a
// glob), a side-effect level or an agent, and check input, regexes and labels; a few rules for every tool
// and the called tool's own rules miss on input, and the only matching rule comes last in load order.
// Each call is timed on its own with process.hrtime.bigint, which is what a p99 needs; the empty-call
// baseline shows what the clock itself costs. The rule index (gateway/policy/rule-index.ts) is what
// keeps 10,000 rules near 1; the plain walk over every rule is timed beside it for 1,000.
import { compilePolicies, compilePoliciesUnindexed } from "../gateway/policy/engine.ts";
import type { PolicyRequest } from "../gateway/policy/types.ts";
import { parseResourceFiles } from "../gateway/resources/load.ts";

const RULES_PER_POLICY = 10;
const GOAL = { rules: 10_000, p50: 5, p99: 20 };

const HEADER = "apiVersion: countersign.dev/v1alpha1";
const ROUTE =
  "require: { approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny } }";

/** A rule that the benchmark's call does not match; i varies tools, names and thresholds. */
function missRule(i: number): string {
  switch (i % 6) {
    case 0:
      return `{ when: { tool.name: "svc${i}.*" }, action: deny }`;
    case 1:
      return `{ when: { tool.name: "billing${i}.refund", input.amount: { gt: ${i} } }, action: deny }`;
    case 2:
      return `{ when: { tool.sideEffect: privileged, input.target: { matches: "^prod-${i}" } }, action: deny }`;
    case 3:
      return `{ when: { tool.name: "ops${i}.?", agent.labels.tier: gold }, ${ROUTE} }`;
    case 4:
      return `{ when: { agent.name: "bot-${i}", input.amount: { gt: ${i * 1000} } }, action: deny }`;
    default:
      // The called tool's own rules, which its input escapes: one in every 300 rules.
      return i % 300 === 5
        ? `{ when: { tool.name: refund.issue, input.currency: { in: [USD, EUR] } }, action: deny }`
        : `{ when: { tool.name: { in: [crm${i}.read, crm${i}.write] }, input.note: { matches: urgent } }, action: deny }`;
  }
}

const HIT_RULE = `{ when: { tool.sideEffect: financial, input.amount: { gt: 100 } }, ${ROUTE} }`;

function resourcesYaml(ruleCount: number): string {
  const rules = Array.from({ length: ruleCount }, (_, i) => (i === ruleCount - 1 ? HIT_RULE : missRule(i)));
  const docs = [
    `${HEADER}\nkind: Team\nmetadata: { name: billing-leads }\nspec: { members: [{ email: ana@example.com }] }`,
    `${HEADER}\nkind: Tool\nmetadata: { name: refund.issue }\nspec:\n  type: decision\n  sideEffects: { level: financial }`,
  ];
  for (let start = 0; start < rules.length; start += RULES_PER_POLICY) {
    const chunk = rules.slice(start, start + RULES_PER_POLICY).map((r) => `    - ${r}`);
    docs.push(
      `${HEADER}\nkind: Policy\nmetadata: { name: policy-${start} }\nspec:\n` +
        `  appliesTo: { agents: { selector: { matchLabels: { env: prod } } } }\n  rules:\n${chunk.join("\n")}`,
    );
  }
  return docs.join("\n---\n");
}

interface Timing {
  p50: number;
  p99: number;
}

/** Times each call in microseconds after a warm-up, and returns the median and 99th percentile. */
function measure(fn: () => unknown, iterations: number): Timing {
  for (let i = 0; i < Math.min(iterations, 20_000); i++) fn();
  const samples = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return { p50: samples[Math.floor(iterations * 0.5)]!, p99: samples[Math.floor(iterations * 0.99)]! };
}

const REQUEST_INPUT = { amount: 500, currency: "GBP", target: "staging-eu", note: "customer asked twice" };

function policyCase(ruleCount: number, indexed = true): { fn: () => unknown; iterations: number } {
  const resources = parseResourceFiles([{ file: `bench-${ruleCount}.yaml`, text: resourcesYaml(ruleCount) }]);
  const engine = (indexed ? compilePolicies : compilePoliciesUnindexed)(resources);
  const req: PolicyRequest = {
    agent: { name: "support-bot", labels: { env: "prod", tier: "silver" } },
    tool: resources.tools.get("refund.issue")!,
    input: REQUEST_INPUT,
  };
  const check = engine.evaluate(req);
  if (check.outcome !== "require_approval" || check.rule !== (ruleCount - 1) % RULES_PER_POLICY) {
    throw new Error(`benchmark rules do not behave as intended: ${JSON.stringify(check)}`);
  }
  return { fn: () => engine.evaluate(req), iterations: Math.max(20_000, 200_000 / Math.sqrt(ruleCount)) };
}

const lookup = new Map([["refund.issue", 1]]);
const cases: [string, () => unknown, number][] = [
  ["baseline: empty call", () => 0, 200_000],
  ["baseline: one Map.get", () => lookup.get("refund.issue"), 200_000],
  ...[1, 100, 1000, 10_000].map((n): [string, () => unknown, number] => {
    const { fn, iterations } = policyCase(n);
    return [`${n.toLocaleString("en")} rule${n === 1 ? "" : "s"}`, fn, Math.round(iterations)];
  }),
  (() => {
    const { fn } = policyCase(1000, false);
    return ["1,000 rules, every rule", fn, 20_000] as [string, () => unknown, number];
  })(),
];

const results = cases.map(([name, fn, iterations]) => ({ name, iterations, ...measure(fn, iterations) }));
const baseline = results[0]!;
const fmt = (n: number, width: number) => n.toFixed(3).padStart(width);

console.log(`policy evaluation, node ${process.version}, each call timed alone after warm-up`);
console.log(
  `${"case".padEnd(24)}${"calls".padStart(9)}${"p50 µs".padStart(10)}${"p99 µs".padStart(10)}  p50 / empty call`,
);
for (const r of results) {
  const ratio = `${(r.p50 / baseline.p50).toFixed(1)}×`;
  console.log(
    `${r.name.padEnd(24)}${String(r.iterations).padStart(9)}${fmt(r.p50, 10)}${fmt(r.p99, 10)}  ${ratio}`,
  );
}
const goal = results.find((r) => r.name === `${GOAL.rules.toLocaleString("en")} rules`)!;
const met = goal.p50 <= GOAL.p50 && goal.p99 <= GOAL.p99;
console.log(
  `goal: ${GOAL.rules.toLocaleString("en")} rules p50 ≤ ${GOAL.p50} µs, p99 ≤ ${GOAL.p99} µs: ${met ? "met" : "NOT met"}`,
);
