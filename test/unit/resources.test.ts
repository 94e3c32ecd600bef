import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadResources,
  ResourceError,
  type ResourceProblem,
  validateResourcesPath,
} from "../../gateway/resources/load.ts";

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "countersign-resources-"));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function problemsOf(files: Record<string, string>): ResourceProblem[] {
  try {
    loadResources(folderWith(files));
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    return e.problems.map((p) => ({ ...p, file: basename(p.file) }));
  }
  throw new Error("expected the resources to be refused");
}

const V1 = "apiVersion: countersign.dev/v1alpha1";

// Valid documents the broken ones may refer to.
const BASE = `${V1}
kind: Team
metadata: { name: billing-leads }
spec:
  members: [{ email: Ana@Example.com, slack: U0ANA00001 }]
`;

const policyWith = (rule: string) => `${V1}
kind: Policy
metadata: { name: p }
spec:
  rules:
    - ${rule}
`;
const requireRule = (routing: string, extra = "") =>
  `when: { tool.sideEffect: financial }
      require: { approvalRouting: { ${routing} }${extra} }`;
const ROUTE = "approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny";

const toolWith = (spec: string) => `${V1}
kind: Tool
metadata: { name: t }
spec:
${spec}`;
const REST = `  type: rest
  endpoint: { url: "http://127.0.0.1:9/x", method: post }
`;

describe("loading the reference set", () => {
  it("loads resources/ with every kind normalised", () => {
    const set = loadResources("resources");
    expect([...set.tools.keys()]).toEqual(["refund.issue", "ticket.triage", "vendor.pay", "invoice.credit"]);
    expect(set.tools.get("refund.issue")).toMatchObject({
      type: "rest",
      endpoint: {
        url: "https://billing.example.com/refunds",
        method: "POST",
        headers: {},
        timeoutMs: 10_000,
      },
      sideEffects: { level: "financial", idempotent: false, requiresApproval: true },
    });
    expect(set.policies[0]).toEqual({
      name: "financial-actions-require-approval",
      appliesTo: { matchLabels: { env: "prod" } },
      rules: [
        {
          when: { "tool.sideEffect": "financial" },
          action: "require",
          routing: {
            approvers: ["team:billing-leads"],
            channels: ["slack:#billing-approvals", "email:billing-leads@example.com"],
            timeoutMinutes: 60,
            onTimeout: "deny",
            rationale: "required",
            minApprovals: 1,
            edits: "forbidden",
            sla: {
              atRiskAfterMinutes: 30,
              breachAfterMinutes: 48,
              escalateTo: [],
              escalationChannels: [],
              escalation: [],
            },
          },
        },
      ],
    });
    expect(set.teams.get("billing-leads")?.members.map((m) => m.email)).toEqual([
      "ana@example.com",
      "ben@example.com",
    ]);
    expect(set.roles.get("sre-oncall")).toMatchObject({
      grants: ["approvals.override"],
      maxOverridesPerDay: 3,
    });
    expect(set.agents.get("support-bot")).toEqual({ name: "support-bot", labels: { env: "prod" } });
  });

  it("loads the team-approval examples: a quorum with escalation levels and reminders, and edits", () => {
    const set = loadResources("resources");
    const treasury = set.policies.find((p) => p.name === "treasury-controls")!;
    expect(treasury.appliesTo).toEqual({ agents: ["payments-bot"] });
    expect(treasury.rules[0]!.routing).toMatchObject({
      minApprovals: 2,
      sla: {
        remindEveryMinutes: 10,
        escalation: [
          { afterMinutes: 20, to: ["user:ana@example.com"], channels: [] },
          { afterMinutes: 30, to: ["team:billing-leads"], channels: ["slack:#billing-approvals"] },
          { afterMinutes: 45, to: ["user:sam@example.com"], channels: ["slack:#sre-oncall"] },
        ],
      },
    });
    expect(treasury.rules[2]!.routing).toMatchObject({ minApprovals: 1, edits: "allowed" });
    expect(set.roles.get("treasury-duty")).toMatchObject({ allowSelfOverride: false });
  });

  it("validateResourcesPath counts what loaded", () => {
    expect(validateResourcesPath("resources")).toEqual({
      ok: true,
      counts: { tools: 4, policies: 3, teams: 3, roles: 2, agents: 2, mcpServers: 0 },
    });
  });
});

describe("malformed documents", () => {
  // `also`: paths of problems that follow from the same mistake (a misspelt field is also a missing one).
  const cases: { name: string; doc: string; path: string; reason: RegExp; line?: number; also?: string[] }[] =
    [
      {
        name: "wrong apiVersion",
        doc: `apiVersion: countersign.dev/v2\nkind: Agent\nmetadata: { name: a }\n`,
        path: "apiVersion",
        reason: /expected countersign\.dev\/v1alpha1 or joch\.dev\/v1alpha1/,
        line: 1,
      },
      {
        name: "unknown kind",
        doc: `${V1}\nkind: Robot\nmetadata: { name: a }\n`,
        path: "kind",
        reason: /one of Tool, Policy/,
      },
      {
        name: "missing metadata.name",
        doc: `${V1}\nkind: Agent\nmetadata: {}\n`,
        path: "metadata.name",
        reason: /^required$/,
      },
      {
        name: "bad side-effect level",
        doc: toolWith(`${REST}  sideEffects: { level: money }\n`),
        path: "spec.sideEffects.level",
        reason: /expected one of read_only, local_write/,
        line: 7,
      },
      {
        name: "onTimeout other than deny",
        doc: policyWith(
          requireRule("approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: approve"),
        ),
        path: "spec.rules[0].require.approvalRouting.onTimeout",
        reason: /expected deny/,
      },
      {
        name: "negative timeout",
        doc: policyWith(requireRule("approvers: [team:billing-leads], timeoutMinutes: -5, onTimeout: deny")),
        path: "spec.rules[0].require.approvalRouting.timeoutMinutes",
        reason: /^expected a positive number$/,
      },
      {
        name: "bad channel syntax",
        doc: policyWith(requireRule(ROUTE, ", channels: ['#billing']")),
        path: "spec.rules[0].require.channels[0]",
        reason: /expected a channel: slack:#name/,
      },
      {
        name: "unknown team",
        doc: policyWith(requireRule("approvers: [team:ghosts], timeoutMinutes: 60, onTimeout: deny")),
        path: "spec.rules[0].require.approvalRouting.approvers[0]",
        reason: /no Team named ghosts/,
      },
      {
        name: "unknown escalation team",
        doc: policyWith(requireRule(`${ROUTE}, sla: { escalateTo: [team:nobody] }`)),
        path: "spec.rules[0].require.approvalRouting.sla.escalateTo[0]",
        reason: /no Team named nobody/,
      },
      {
        name: "malformed approver reference",
        doc: policyWith(requireRule("approvers: [billing-leads], timeoutMinutes: 60, onTimeout: deny")),
        path: "spec.rules[0].require.approvalRouting.approvers[0]",
        reason: /expected team:NAME or user:EMAIL/,
      },
      {
        name: "typo in a field name",
        doc: policyWith(requireRule("approvers: [team:billing-leads], timeoutMinuts: 60, onTimeout: deny")),
        path: "spec.rules[0].require.approvalRouting.timeoutMinuts",
        reason: /^unknown field$/,
        also: ["spec.rules[0].require.approvalRouting.timeoutMinutes"],
      },
      {
        name: "rest tool without endpoint",
        doc: toolWith("  type: rest\n  sideEffects: { level: read_only }\n"),
        path: "spec.endpoint",
        reason: /required for a rest tool/,
      },
      {
        name: "input schema that does not compile",
        doc: toolWith(
          `${REST}  sideEffects: { level: read_only }\n  inputSchema: { type: object, properties: { a: { type: strnig } } }\n`,
        ),
        path: "spec.inputSchema",
        reason: /^not a valid JSON Schema: /,
      },
      {
        name: "bad regular expression in matches",
        doc: policyWith("{ when: { input.note: { matches: '(unclosed' } }, action: deny }"),
        path: 'spec.rules[0].when["input.note"].matches',
        reason: /invalid regular expression/,
      },
      {
        // Patterns run in linear time (RE2): what needs backtracking is refused where it is written.
        name: "backreference in matches (not linear-time)",
        doc: policyWith("{ when: { input.note: { matches: '(a)\\1' } }, action: deny }"),
        path: 'spec.rules[0].when["input.note"].matches',
        reason: /not supported by the linear-time engine \(RE2\)/,
      },
      {
        name: "lookahead in matches (not linear-time)",
        doc: policyWith("{ when: { input.note: { matches: 'refund(?=now)' } }, action: deny }"),
        path: 'spec.rules[0].when["input.note"].matches',
        reason: /not supported by the linear-time engine \(RE2\)/,
      },
      {
        name: "unknown when key",
        doc: policyWith("{ when: { tool.sideeffect: financial }, action: deny }"),
        path: 'spec.rules[0].when["tool.sideeffect"]',
        reason: /unknown key/,
      },
      {
        name: "unknown operator",
        doc: policyWith("{ when: { input.amount: { greater: 5 } }, action: deny }"),
        path: 'spec.rules[0].when["input.amount"].greater',
        reason: /unknown operator/,
      },
      {
        name: "side-effect level in a condition",
        doc: policyWith("{ when: { tool.sideEffect: { in: [financial, money] } }, action: deny }"),
        path: 'spec.rules[0].when["tool.sideEffect"].in',
        reason: /a side-effect level/,
      },
      {
        name: "rule with neither action nor require",
        doc: policyWith("{ when: { tool.name: x } }"),
        path: "spec.rules[0]",
        reason: /either action: allow\|deny or require/,
      },
      {
        name: "typo inside the agent selector",
        doc: `${V1}\nkind: Policy\nmetadata: { name: p }\nspec:\n  appliesTo: { agents: { selector: { matchLabel: { env: prod } } } }\n  toolPolicy: { default: deny }\n`,
        path: "spec.appliesTo.agents.selector.matchLabel",
        reason: /^unknown field$/,
        also: ["spec.appliesTo.agents.selector.matchLabels"],
      },
      {
        name: "appliesTo.agents that is neither a list nor a selector",
        doc: `${V1}\nkind: Policy\nmetadata: { name: p }\nspec:\n  appliesTo: { agents: support-bot }\n  toolPolicy: { default: deny }\n`,
        path: "spec.appliesTo.agents",
        reason: /expected a list of agent names or \{ selector/,
      },
      {
        name: "endpoint that is not http(s)",
        doc: toolWith(
          "  type: rest\n  endpoint: { url: 'ftp://files.example.com/x', method: GET }\n  sideEffects: { level: read_only }\n",
        ),
        path: "spec.endpoint.url",
        reason: /expected an http\(s\) URL/,
      },
      {
        name: "SLA thresholds out of order",
        doc: policyWith(requireRule(`${ROUTE}, sla: { breachAfterMinutes: 90 }`)),
        path: "spec.rules[0].require.approvalRouting.sla.breachAfterMinutes",
        reason: /must not exceed timeoutMinutes \(60\)/,
      },
      {
        name: "unknown role grant",
        doc: `${V1}\nkind: Role\nmetadata: { name: r }\nspec:\n  grants: [approvals.everything]\n  members: [{ email: sam@example.com }]\n`,
        path: "spec.grants[0]",
        reason: /unknown grant/,
      },
      {
        name: "a quorum larger than the approvers",
        doc: policyWith(requireRule(`${ROUTE}, minApprovals: 2`)),
        path: "spec.rules[0].require.approvalRouting.minApprovals",
        reason: /^needs 2 distinct approvers, but team:billing-leads name only 1$/,
      },
      {
        name: "a quorum that is not a whole number",
        doc: policyWith(requireRule(`${ROUTE}, minApprovals: 1.5`)),
        path: "spec.rules[0].require.approvalRouting.minApprovals",
        reason: /expected a whole number of approvers/,
      },
      {
        name: "edits allowed under a quorum",
        doc: policyWith(
          requireRule(
            "approvers: [team:billing-leads, user:ben@example.com], minApprovals: 2, timeoutMinutes: 60, onTimeout: deny",
            ", edits: allowed",
          ),
        ),
        path: "spec.rules[0].require.edits",
        reason:
          /^edits: allowed needs minApprovals: 1 \(it is 2\): every approver of a quorum must approve the same input$/,
      },
      {
        name: "an unknown edits value",
        doc: policyWith(requireRule(ROUTE, ", edits: sometimes")),
        path: "spec.rules[0].require.edits",
        reason: /expected allowed or forbidden/,
      },
      {
        name: "escalation levels out of order",
        doc: policyWith(
          requireRule(
            `${ROUTE}, sla: { escalation: [{ afterMinutes: 20, channels: [slack:#a] }, { afterMinutes: 10, channels: [slack:#b] }] }`,
          ),
        ),
        path: "spec.rules[0].require.approvalRouting.sla.escalation[1].afterMinutes",
        reason: /levels fire in order: must not be less than the level before \(20\)/,
      },
      {
        name: "an escalation level after the timeout",
        doc: policyWith(
          requireRule(`${ROUTE}, sla: { escalation: [{ afterMinutes: 60, to: [user:sam@example.com] }] }`),
        ),
        path: "spec.rules[0].require.approvalRouting.sla.escalation[0].afterMinutes",
        reason: /must be less than timeoutMinutes \(60\), or this level would never happen/,
      },
      {
        name: "an escalation level telling nobody",
        doc: policyWith(requireRule(`${ROUTE}, sla: { escalation: [{ afterMinutes: 5 }] }`)),
        path: "spec.rules[0].require.approvalRouting.sla.escalation[0].to",
        reason: /a level needs people \(to\) or channels/,
      },
      {
        name: "escalation levels beside the single escalateTo form",
        doc: policyWith(
          requireRule(
            `${ROUTE}, sla: { escalateTo: [user:sam@example.com], escalation: [{ afterMinutes: 5, channels: [slack:#a] }] }`,
          ),
        ),
        path: "spec.rules[0].require.approvalRouting.sla.escalation",
        reason:
          /give escalation levels or escalateTo\/escalationChannels \(one level at the breach\), not both/,
      },
      {
        name: "unknown team in an escalation level",
        doc: policyWith(
          requireRule(`${ROUTE}, sla: { escalation: [{ afterMinutes: 5, to: [team:nobody] }] }`),
        ),
        path: "spec.rules[0].require.approvalRouting.sla.escalation[0].to[0]",
        reason: /no Team named nobody/,
      },
      {
        name: "reminders no sooner than the timeout",
        doc: policyWith(requireRule(`${ROUTE}, sla: { remindEveryMinutes: 90 }`)),
        path: "spec.rules[0].require.approvalRouting.sla.remindEveryMinutes",
        reason: /must be less than timeoutMinutes \(60\), or a reminder would never happen/,
      },
      {
        name: "allowSelfOverride that is not a boolean",
        doc: `${V1}\nkind: Role\nmetadata: { name: r }\nspec:\n  grants: [approvals.override]\n  members: [{ email: sam@example.com }]\n  allowSelfOverride: sometimes\n`,
        path: "spec.allowSelfOverride",
        reason: /expected true or false/,
      },
      {
        name: "team without anyone in it",
        doc: `${V1}\nkind: Team\nmetadata: { name: empty }\nspec: {}\n`,
        path: "spec.members",
        reason: /members or a slackUserGroup/,
      },
    ];

  it.each(cases)("$name", ({ doc, path, reason, line, also = [] }) => {
    const problems = problemsOf({
      "a-base.yaml": BASE,
      "b-case.yaml": `${V1}\nkind: Agent\nmetadata: { name: ok }\n---\n${doc}`,
    });
    expect(problems.map((p) => p.path).sort()).toEqual([path, ...also].sort());
    const problem = problems.find((p) => p.path === path);
    expect(problem).toMatchObject({ file: "b-case.yaml", document: 1, path });
    expect(problem!.reason).toMatch(reason);
    // Lines count from the top of the file: the Agent document takes three lines and `---` one.
    if (line !== undefined) expect(problem!.line).toBe(line + 4);
  });

  it("prints one line per problem naming file, document, resource, path and reason", () => {
    const dir = folderWith({
      "billing.yaml": `${BASE}---\n${V1}\nkind: Agent\nmetadata: { name: a }\n---\n${policyWith(requireRule("approvers: [team:billing-leads], timeoutMinutes: 0, onTimeout: deny")).replace("name: p", "name: financial-actions-require-approval")}`,
    });
    expect(() => loadResources(dir)).toThrow(
      `${join(dir, "billing.yaml")}: document 2 (Policy financial-actions-require-approval): ` +
        "spec.rules[0].require.approvalRouting.timeoutMinutes: expected a positive number (line 17)",
    );
  });

  it("reports a duplicate name at the second definition", () => {
    const problems = problemsOf({ "a.yaml": BASE, "b.yaml": `# again\n${BASE}` });
    expect(problems).toEqual([
      {
        file: "b.yaml",
        document: 0,
        path: "metadata.name",
        reason: expect.stringMatching(/^duplicate Team name \(first defined in .*a\.yaml document 0\)$/),
        line: 4,
        resource: "Team billing-leads",
      },
    ]);
  });

  it("reports a YAML syntax error with its line", () => {
    const problems = problemsOf({ "bad.yaml": `${V1}\nkind: Agent\nmetadata:\n  name: a\n name2: b\n` });
    expect(problems).toEqual([
      {
        file: "bad.yaml",
        document: 0,
        path: "",
        reason: "YAML syntax error: All mapping items must start at the same column",
        line: 5,
      },
    ]);
  });

  it("collects every problem across files and documents", () => {
    const problems = problemsOf({
      "one.yaml": `${V1}\nkind: Agent\nmetadata: { name: a }\n---\n${V1}\nkind: Robot\nmetadata: { name: r }\n`,
      "two.yml": toolWith("  type: rest\n  sideEffects: { level: money }\n"),
      "three.yaml": `${V1}\nkind: Agent\nkind: Agent\n`,
    });
    // Checks between fields (a rest tool needs an endpoint) wait until the fields themselves are valid.
    expect(problems.map((p) => `${p.file}#${p.document} ${p.path}`)).toEqual([
      "one.yaml#1 kind",
      "three.yaml#0 ",
      "two.yml#0 spec.sideEffects.level",
    ]);
  });
});

describe("normalisation", () => {
  it("accepts channels and rationale beside or inside approvalRouting, with fractional timeouts", () => {
    const set = loadResources(
      folderWith({
        "r.yaml": `${BASE}---\n${policyWith(
          requireRule(
            "approvers: [team:billing-leads, user:Zoe@Example.com], timeoutMinutes: 1.5, onTimeout: deny, channels: ['teams:Finance Ops/Approvals']",
            ", channels: [slack:C0123ABC, 'teams:19:abc@thread.tacv2'], rationale: optional",
          ),
        )}`,
      }),
    );
    expect(set.policies[0]!.rules[0]!.routing).toEqual({
      approvers: ["team:billing-leads", "user:Zoe@Example.com"],
      channels: ["slack:C0123ABC", "teams:19:abc@thread.tacv2", "teams:Finance Ops/Approvals"],
      timeoutMinutes: 1.5,
      onTimeout: "deny",
      rationale: "optional",
      minApprovals: 1,
      edits: "forbidden",
      sla: {
        atRiskAfterMinutes: 0.75,
        breachAfterMinutes: 1.2,
        escalateTo: [],
        escalationChannels: [],
        escalation: [],
      },
    });
  });

  it("normalises tools, the short form and label selectors", () => {
    const set = loadResources(
      folderWith({
        "r.yaml": `${toolWith(`${REST}  sideEffects: { level: local_write }\n  inputSchema: { type: object, required: [id] }\n`)}---
apiVersion: joch.dev/v1alpha1
kind: Policy
metadata: { name: short, labels: { owner: billing }, description: short form }
spec:
  appliesTo: { agents: [support-bot] }
  toolPolicy: { default: deny, allow: ["ticket.*"], requireApproval: [t] }
`,
      }),
    );
    expect(set.tools.get("t")).toEqual({
      name: "t",
      type: "rest",
      endpoint: { url: "http://127.0.0.1:9/x", method: "POST", headers: {}, timeoutMs: 10_000 },
      sideEffects: { level: "local_write", idempotent: false, requiresApproval: false },
      inputSchema: { type: "object", required: ["id"] },
    });
    expect(set.policies[0]).toEqual({
      name: "short",
      appliesTo: { agents: ["support-bot"] },
      rules: [],
      toolPolicy: { default: "deny", allow: ["ticket.*"], requireApproval: ["t"] },
    });
  });
});

describe("folders", () => {
  it("reads every *.yaml and *.yml in name order, skipping other files and subfolders", () => {
    const dir = folderWith({
      "b.yml": `${V1}\nkind: Agent\nmetadata: { name: second }\n`,
      "a.yaml": `---\n${V1}\nkind: Agent\nmetadata: { name: first }\n---\n`,
      "notes.txt": "not yaml: [",
    });
    mkdirSync(join(dir, "nested.yaml"));
    expect([...loadResources(dir).agents.keys()]).toEqual(["first", "second"]);
  });

  it("refuses an empty folder and a missing path", () => {
    const empty = folderWith({});
    expect(validateResourcesPath(empty)).toEqual({
      ok: false,
      problems: [
        { file: empty, document: null, path: "", reason: "no *.yaml or *.yml files in this folder" },
      ],
    });
    expect(() => loadResources(join(empty, "missing.yaml"))).toThrow(/missing\.yaml: no such file or folder/);
  });
});
