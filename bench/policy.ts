// Policy evaluation time for 1, 100 and 1,000 rules, next to baselines timed the same way in the same run,
// so the figures read as ratios whatever the machine. Run: node --import tsx bench/policy.ts
//
// The rule sets mix what real policies hold (tool-name globs, side-effect levels, input comparisons,
// regexes, label conditions) and put the only matching rule last, so every rule is looked at.
// Each call is timed on its own with process.hrtime.bigint, which is what a p99 needs; the empty-call
// baseline shows what the clock itself costs.
import { compilePolicies } from "../gateway/policy/engine.ts";
import type { PolicyRequest } from "../gateway/policy/types.ts";
import { parseResourceFiles } from "../gateway/resources/load.ts";

const RULES_PER_POLICY = 10;
const GOAL = { rules: 100, p50: 10, p99: 50 };

const HEADER = "apiVersion: countersign.dev/v1alpha1";
const ROUTE =
  "require: { approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny } }";

/** A rule that the benchmark's call does not match; i varies names and thresholds. */
function missRule(i: number): string {
  switch (i % 4) {
    case 0:
      return `{ when: { tool.name: "svc${i}.*" }, action: deny }`;
    case 1:
      return `{ when: { tool.sideEffect: privileged, input.target: { matches: "^prod-${i}" } }, action: deny }`;
    case 2:
      return `{ when: { input.amount: { gt: ${i * 1000} }, input.currency: { in: [USD, EUR] } }, action: deny }`;
    default:
      return `{ when: { tool.name: "ops${i}.?", agent.labels.tier: gold }, ${ROUTE} }`;
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

function policyCase(ruleCount: number): { fn: () => unknown; iterations: number } {
  const resources = parseResourceFiles([{ file: `bench-${ruleCount}.yaml`, text: resourcesYaml(ruleCount) }]);
  const engine = compilePolicies(resources);
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
  ...[1, 100, 1000].map((n): [string, () => unknown, number] => {
    const { fn, iterations } = policyCase(n);
    return [`${n.toLocaleString("en")} rule${n === 1 ? "" : "s"}`, fn, Math.round(iterations)];
  }),
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
const goal = results.find((r) => r.name === `${GOAL.rules} rules`)!;
const met = goal.p50 <= GOAL.p50 && goal.p99 <= GOAL.p99;
console.log(
  `goal: ${GOAL.rules} rules p50 ≤ ${GOAL.p50} µs, p99 ≤ ${GOAL.p99} µs: ${met ? "met" : "NOT met"}`,
);
