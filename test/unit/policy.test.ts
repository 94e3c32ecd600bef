import { describe, expect, it } from "vitest";
import { compilePolicies } from "../../gateway/policy/engine.ts";
import type { PolicyRequest } from "../../gateway/policy/types.ts";
import { loadResources, parseResourceFiles } from "../../gateway/resources/load.ts";
import type { AgentResource, ResourceSet } from "../../model/resources.ts";
import { resolvePeople } from "../../model/routing.ts";

const V1 = "apiVersion: countersign.dev/v1alpha1";

const PEOPLE = `${V1}
kind: Team
metadata: { name: billing-leads }
spec:
  slackUserGroup: S0BILLING
  members: [{ email: Ana@Example.com }, { email: ben@example.com }]
---
${V1}
kind: Team
metadata: { name: sre }
spec:
  members: [{ email: sam@example.com }, { email: ana@example.com }]
`;

const tool = (name: string, type: string, level: string, idempotent = false, requiresApproval = false) => `---
${V1}
kind: Tool
metadata: { name: ${name} }
spec:
  type: ${type}
  ${type === "rest" ? 'endpoint: { url: "http://127.0.0.1:9/x", method: POST }' : ""}
  sideEffects: { level: ${level}, idempotent: ${idempotent}, requiresApproval: ${requiresApproval} }
`;

const TOOLS = [
  tool("refund.issue", "rest", "financial"),
  tool("refund.guarded", "rest", "financial", false, true),
  tool("file.write", "decision", "local_write", true),
  tool("ticket.read", "rest", "read_only", true),
].join("");

/** A Policy document; `spec` is YAML indented by two spaces. */
const policy = (name: string, spec: string) => `---
${V1}
kind: Policy
metadata: { name: ${name} }
spec:
${spec}`;

const route = (approvers: string, extra = "") =>
  `require: { approvalRouting: { approvers: [${approvers}], timeoutMinutes: 60, onTimeout: deny${extra} } }`;

function engineFor(policies: string) {
  const resources = parseResourceFiles([{ file: "resources.yaml", text: PEOPLE + TOOLS + policies }]);
  const engine = compilePolicies(resources);
  return {
    resources,
    evaluate: (toolName: string, input: unknown = {}, agent: AgentResource = BOT) =>
      engine.evaluate({ agent, tool: resources.tools.get(toolName) ?? { name: toolName }, input }),
  };
}

const BOT: AgentResource = { name: "support-bot", labels: { env: "prod", team: "support" } };

describe("when keys and operators", () => {
  // Each row: one allow rule; a match allows, otherwise the non-read-only tool falls to no_policy.
  const rows: { when: string; tool: string; input?: unknown; agent?: AgentResource; matches: boolean }[] = [
    { when: "tool.sideEffect: financial", tool: "refund.issue", matches: true },
    { when: "tool.sideEffect: financial", tool: "file.write", matches: false },
    { when: "tool.sideEffect: { in: [financial, privileged] }", tool: "refund.issue", matches: true },
    { when: "tool.sideEffect: { ne: financial }", tool: "file.write", matches: true },
    { when: "tool.name: 'refund.*'", tool: "refund.issue", matches: true },
    { when: "tool.name: 'refund.?ssue'", tool: "refund.issue", matches: true },
    { when: "tool.name: '*.issue'", tool: "refund.issue", matches: true },
    { when: "tool.name: 'refund'", tool: "refund.issue", matches: false },
    { when: "tool.name: 'refund?issue'", tool: "refund.issue", matches: true },
    { when: "tool.name: 'refund.issue'", tool: "refundXissue", matches: false },
    { when: "tool.name: { eq: 'refund.*' }", tool: "refund.issue", matches: false },
    { when: "tool.name: { in: [file.write, refund.issue] }", tool: "refund.issue", matches: true },
    { when: "tool.name: { matches: '^refund\\.' }", tool: "refund.issue", matches: true },
    { when: "tool.idempotent: true", tool: "file.write", matches: true },
    { when: "tool.idempotent: true", tool: "refund.issue", matches: false },
    { when: "tool.type: decision", tool: "file.write", matches: true },
    { when: "tool.type: { ne: decision }", tool: "refund.issue", matches: true },
    { when: "agent.name: support-bot", tool: "file.write", matches: true },
    { when: "agent.name: { ne: support-bot }", tool: "file.write", matches: false },
    { when: "agent.labels.env: prod", tool: "file.write", matches: true },
    { when: "agent.labels.env: prod", tool: "file.write", agent: { name: "x", labels: {} }, matches: false },
    { when: "agent.labels.owner: { ne: x }", tool: "file.write", matches: false },
    { when: "input.amount: 100", tool: "file.write", input: { amount: 100 }, matches: true },
    { when: "input.amount: { eq: 100 }", tool: "file.write", input: { amount: "100" }, matches: false },
    { when: "input.amount: { gt: 100 }", tool: "file.write", input: { amount: 150 }, matches: true },
    { when: "input.amount: { gt: 100 }", tool: "file.write", input: { amount: 100 }, matches: false },
    { when: "input.amount: { gt: 100 }", tool: "file.write", input: { amount: "150" }, matches: false },
    { when: "input.amount: { gte: 100 }", tool: "file.write", input: { amount: 100 }, matches: true },
    { when: "input.amount: { lt: 100 }", tool: "file.write", input: { amount: 99.5 }, matches: true },
    { when: "input.amount: { lte: 100 }", tool: "file.write", input: { amount: 101 }, matches: false },
    { when: "input.amount: { gt: 100, lt: 200 }", tool: "file.write", input: { amount: 150 }, matches: true },
    {
      when: "input.amount: { gt: 100, lt: 200 }",
      tool: "file.write",
      input: { amount: 250 },
      matches: false,
    },
    {
      when: "input.currency: { in: [USD, EUR] }",
      tool: "file.write",
      input: { currency: "EUR" },
      matches: true,
    },
    { when: "input.currency: { ne: USD }", tool: "file.write", input: { currency: "EUR" }, matches: true },
    { when: "input.currency: { ne: USD }", tool: "file.write", input: {}, matches: false },
    {
      when: "input.note: { matches: urgent }",
      tool: "file.write",
      input: { note: "very urgent!" },
      matches: true,
    },
    { when: "input.note: { matches: urgent }", tool: "file.write", input: { note: 7 }, matches: false },
    {
      when: "input.items.1.sku: B",
      tool: "file.write",
      input: { items: [{ sku: "A" }, { sku: "B" }] },
      matches: true,
    },
    {
      when: "input.items.2.sku: B",
      tool: "file.write",
      input: { items: [{ sku: "A" }, { sku: "B" }] },
      matches: false,
    },
    {
      when: "input.to: { eq: { city: Oslo } }",
      tool: "file.write",
      input: { to: { city: "Oslo" } },
      matches: true,
    },
    { when: "input.tags: { in: [[a, b]] }", tool: "file.write", input: { tags: ["a", "b"] }, matches: true },
    { when: "input.toString: x", tool: "file.write", input: {}, matches: false },
    {
      when: "tool.sideEffect: financial, input.amount: { gt: 10 }",
      tool: "refund.issue",
      input: { amount: 20 },
      matches: true,
    },
    {
      when: "tool.sideEffect: financial, input.amount: { gt: 10 }",
      tool: "refund.issue",
      input: { amount: 5 },
      matches: false,
    },
    // Pseudo-tools (SDK actions) have no side-effect facts: those keys never match them.
    { when: "tool.name: 'deploy.*'", tool: "deploy.prod", matches: true },
    { when: "tool.sideEffect: { ne: financial }", tool: "deploy.prod", matches: false },
    { when: "tool.idempotent: false", tool: "deploy.prod", matches: false },
    { when: "tool.type: decision", tool: "deploy.prod", matches: false },
    { when: "input.env: prod", tool: "deploy.prod", input: { env: "prod" }, matches: true },
  ];

  it.each(rows)("{ $when } on $tool → $matches", ({ when, tool: toolName, input, agent, matches }) => {
    const { evaluate } = engineFor(policy("p", `  rules:\n    - { when: { ${when} }, action: allow }\n`));
    const decision = evaluate(toolName, input, agent);
    if (matches) expect(decision).toEqual({ outcome: "allow", policy: "p", rule: 0, reason: "rule_allow" });
    else expect(decision).toMatchObject({ outcome: "deny", code: "no_policy", policy: null, rule: null });
  });
});

describe("precedence", () => {
  const allow = "    - { when: { tool.name: 'refund.*' }, action: allow }\n";
  const requireAna = `    - when: { tool.sideEffect: financial }\n      ${route("user:ana@example.com")}\n`;
  const requireBen = `    - when: { input.amount: { gt: 10 } }\n      ${route("user:ben@example.com")}\n`;
  const deny = "    - { when: { input.amount: { gt: 1000 } }, action: deny }\n";

  it("deny beats require beats allow, across policies", () => {
    const { evaluate } = engineFor(
      policy("a", `  rules:\n${allow}${requireAna}`) + policy("b", `  rules:\n${deny}`),
    );
    expect(evaluate("refund.issue", { amount: 5000 })).toEqual({
      outcome: "deny",
      code: "denied",
      policy: "b",
      rule: 0,
      reason: "denied by policy b rule 0",
    });
    expect(evaluate("refund.issue", { amount: 50 })).toMatchObject({
      outcome: "require_approval",
      policy: "a",
      rule: 1,
    });
    expect(evaluate("ticket.read")).toMatchObject({ outcome: "allow", reason: "read_only_default" });
  });

  it("allow wins when it is the only match", () => {
    const { evaluate } = engineFor(policy("a", `  rules:\n${requireAna}${allow}`));
    expect(evaluate("refund.issue")).toMatchObject({ outcome: "require_approval" });
    expect(engineFor(policy("a", `  rules:\n${allow}`)).evaluate("refund.issue")).toEqual({
      outcome: "allow",
      policy: "a",
      rule: 0,
      reason: "rule_allow",
    });
  });

  it("takes the first matching require in load order", () => {
    const { evaluate } = engineFor(
      policy("a", `  rules:\n${requireBen}`) + policy("b", `  rules:\n${requireAna}`),
    );
    const decision = evaluate("refund.issue", { amount: 50 });
    expect(decision).toMatchObject({ outcome: "require_approval", policy: "a", rule: 0 });
    if (decision.outcome === "require_approval")
      expect(decision.routing.approvers).toEqual(["ben@example.com"]);
  });
});

describe("requiresApproval fail-safe", () => {
  it("needs approval even when a rule allows it, and is never run without routing", () => {
    const allowAll = policy("open", "  rules:\n    - { when: { tool.name: '*' }, action: allow }\n");
    expect(engineFor(allowAll).evaluate("refund.guarded")).toEqual({
      outcome: "deny",
      code: "no_route",
      policy: null,
      rule: null,
      reason: "tool refund.guarded requires approval but no policy rule routes it",
    });
    expect(
      engineFor(policy("none", "  toolPolicy: { default: allow }\n")).evaluate("refund.guarded"),
    ).toMatchObject({
      code: "no_route",
    });
  });

  it("takes routing from a matching require rule", () => {
    const routed = policy(
      "routed",
      `  rules:\n    - when: { tool.sideEffect: financial }\n      ${route("team:sre")}\n`,
    );
    expect(engineFor(routed).evaluate("refund.guarded")).toMatchObject({
      outcome: "require_approval",
      policy: "routed",
    });
  });

  it("finds no route in a policy that does not apply to the agent", () => {
    const elsewhere = policy(
      "staging-only",
      `  appliesTo: { agents: { selector: { matchLabels: { env: staging } } } }\n  rules:\n    - when: { tool.sideEffect: financial }\n      ${route("team:sre")}\n`,
    );
    expect(engineFor(elsewhere).evaluate("refund.guarded")).toMatchObject({
      outcome: "deny",
      code: "no_route",
    });
  });
});

describe("defaults", () => {
  it("allows an unmatched read-only tool and refuses anything else with no_policy", () => {
    const { evaluate } = engineFor("");
    expect(evaluate("ticket.read")).toEqual({
      outcome: "allow",
      policy: null,
      rule: null,
      reason: "read_only_default",
    });
    expect(evaluate("file.write")).toMatchObject({
      outcome: "deny",
      code: "no_policy",
      policy: null,
      rule: null,
    });
    expect(evaluate("some.sdk.action")).toMatchObject({ outcome: "deny", code: "no_policy" });
  });

  it("lets toolPolicy.default override both, deny winning over allow", () => {
    const allowing = policy("allowing", "  toolPolicy: { default: allow }\n");
    const denying = policy("denying", "  toolPolicy: { default: deny }\n");
    expect(engineFor(allowing).evaluate("file.write")).toEqual({
      outcome: "allow",
      policy: "allowing",
      rule: null,
      reason: "tool_policy_default",
    });
    expect(engineFor(denying).evaluate("ticket.read")).toMatchObject({
      outcome: "deny",
      code: "denied",
      policy: "denying",
    });
    expect(engineFor(allowing + denying).evaluate("file.write")).toMatchObject({
      outcome: "deny",
      policy: "denying",
    });
  });
});

describe("toolPolicy short form", () => {
  const short = (extra: string) =>
    policy(
      "short",
      `  toolPolicy:\n    default: deny\n    allow: ['file.*']\n    requireApproval: [refund.issue]\n${extra}`,
    );

  it("matches its name lists before the default", () => {
    const { evaluate } = engineFor(short(""));
    expect(evaluate("file.write")).toEqual({
      outcome: "allow",
      policy: "short",
      rule: null,
      reason: "tool_policy_allow",
    });
    expect(evaluate("ticket.read")).toMatchObject({ outcome: "deny", code: "denied", policy: "short" });
  });

  it("refuses requireApproval names with no_route when it gives no approvalRouting", () => {
    expect(engineFor(short("")).evaluate("refund.issue")).toMatchObject({
      outcome: "deny",
      code: "no_route",
      policy: "short",
      rule: null,
    });
  });

  it("routes requireApproval names through toolPolicy.approvalRouting", () => {
    const routed = short(
      "    approvalRouting: { approvers: [team:sre], timeoutMinutes: 5, onTimeout: deny, channels: [slack:#sre], rationale: optional }\n",
    );
    const decision = engineFor(routed).evaluate("refund.issue");
    expect(decision).toMatchObject({ outcome: "require_approval", policy: "short", rule: null });
    if (decision.outcome === "require_approval") {
      expect(decision.routing).toMatchObject({
        channels: ["slack:#sre"],
        rationaleRequired: false,
        timeoutMinutes: 5,
      });
    }
  });

  it("yields to an explicit deny rule", () => {
    const withDeny = policy(
      "deny-writes",
      "  rules:\n    - { when: { tool.sideEffect: local_write }, action: deny }\n",
    );
    expect(engineFor(short("") + withDeny).evaluate("file.write")).toMatchObject({
      outcome: "deny",
      policy: "deny-writes",
    });
  });
});

describe("appliesTo", () => {
  const denyWrites = "  rules:\n    - { when: { tool.name: file.write }, action: deny }\n";
  const other: AgentResource = { name: "batch-bot", labels: { env: "prod" } };

  it.each([
    { appliesTo: "  appliesTo: { agents: [support-bot, other-bot] }\n", bot: true, batch: false },
    {
      appliesTo: "  appliesTo: { agents: { selector: { matchLabels: { env: prod, team: support } } } }\n",
      bot: true,
      batch: false,
    },
    {
      appliesTo: "  appliesTo: { agents: { selector: { matchLabels: { env: prod } } } }\n",
      bot: true,
      batch: true,
    },
    { appliesTo: "", bot: true, batch: true },
  ])("$appliesTo", ({ appliesTo, bot, batch }) => {
    const { evaluate } = engineFor(policy("p", appliesTo + denyWrites));
    expect(
      evaluate("file.write", {}, BOT).outcome === "deny" && evaluate("file.write", {}, BOT).policy === "p",
    ).toBe(bot);
    expect(
      evaluate("file.write", {}, other).outcome === "deny" &&
        evaluate("file.write", {}, other).policy === "p",
    ).toBe(batch);
  });
});

describe("routing resolution", () => {
  it("resolves people, Slack groups, SLA defaults and escalation", () => {
    const p = policy(
      "p",
      `  rules:\n    - when: { tool.name: 'refund.*' }\n      ${route("team:billing-leads, user:BEN@example.com, user:zoe@example.com", ", sla: { escalateTo: [team:sre] }")}\n`,
    ).replace("timeoutMinutes: 60", "timeoutMinutes: 2.5");
    const decision = engineFor(p).evaluate("refund.issue");
    expect(decision).toEqual({
      outcome: "require_approval",
      policy: "p",
      rule: 0,
      routing: {
        approverRefs: ["team:billing-leads", "user:BEN@example.com", "user:zoe@example.com"],
        approvers: ["ana@example.com", "ben@example.com", "zoe@example.com"],
        approverSlackGroups: ["S0BILLING"],
        channels: [],
        timeoutMinutes: 2.5,
        onTimeout: "deny",
        rationaleRequired: true,
        requiredApprovals: 1,
        editsAllowed: false,
        sla: {
          atRiskAfterMinutes: 1.25,
          breachAfterMinutes: 2,
          // The single escalateTo form is one level at the breach.
          levels: [{ afterMinutes: 2, to: ["sam@example.com", "ana@example.com"], channels: [] }],
          remindEveryMinutes: null,
        },
      },
    });
  });

  it("keeps explicit SLA thresholds", () => {
    const p = policy(
      "p",
      `  rules:\n    - when: { tool.name: 'refund.*' }\n      ${route("team:sre", ", sla: { atRiskAfterMinutes: 5, breachAfterMinutes: 10, escalationChannels: [slack:#sre] }")}\n`,
    );
    const decision = engineFor(p).evaluate("refund.issue");
    if (decision.outcome !== "require_approval")
      throw new Error(`expected approval, got ${decision.outcome}`);
    expect(decision.routing.sla).toMatchObject({
      atRiskAfterMinutes: 5,
      breachAfterMinutes: 10,
      levels: [{ afterMinutes: 10, to: [], channels: ["slack:#sre"] }],
    });
  });

  it("resolvePeople dedupes and lowercases, and refuses an unknown team", () => {
    const { resources } = engineFor("");
    expect(resolvePeople(["team:billing-leads", "team:sre", "user:Sam@Example.com"], resources)).toEqual({
      emails: ["ana@example.com", "ben@example.com", "sam@example.com"],
      slackGroups: ["S0BILLING"],
    });
    expect(() => resolvePeople(["team:ghosts"], resources)).toThrow(/team:ghosts/);
  });
});

describe("the reference set", () => {
  it("routes support-bot's refund to billing-leads and lets triage run", () => {
    const resources: ResourceSet = loadResources("resources");
    const engine = compilePolicies(resources);
    const call = (name: string): PolicyRequest => ({
      agent: resources.agents.get("support-bot")!,
      tool: resources.tools.get(name)!,
      input: { amount: 42 },
    });
    expect(engine.evaluate(call("refund.issue"))).toMatchObject({
      outcome: "require_approval",
      policy: "financial-actions-require-approval",
      rule: 0,
      routing: {
        approvers: ["ana@example.com", "ben@example.com"],
        timeoutMinutes: 60,
        sla: { breachAfterMinutes: 48 },
      },
    });
    expect(engine.evaluate(call("ticket.triage"))).toMatchObject({
      outcome: "allow",
      reason: "read_only_default",
    });
  });
});
