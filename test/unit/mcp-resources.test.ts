// McpServer documents (loaded and refused like every kind), how an MCP tool is classified (CONTRACT.md
// section 8: overrides win, annotations are fail-safe hints), and which tools a tools/list leaves out
// (what policy denies an agent whatever the input).
import { describe, expect, it } from "vitest";
import { compilePolicies } from "../../gateway/policy/engine.ts";
import { parseResourceFiles, ResourceError, type ResourceProblem } from "../../gateway/resources/load.ts";
import { classifyMcpTool, sideEffectsFromHints } from "../../model/mcp.ts";
import type { AgentResource, McpServerResource } from "../../model/resources.ts";

const V1 = "apiVersion: countersign.dev/v1alpha1";

/** A variable reference as the YAML writes it: ${NAME}. */
const ref = (name: string) => ["$", "{", name, "}"].join("");

const load = (text: string) => parseResourceFiles([{ file: "mcp.yaml", text }]);

function problemsOf(text: string): ResourceProblem[] {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ResourceError) return e.problems;
    throw e;
  }
  throw new Error("expected the resources to be refused");
}

const BILLING = `${V1}
kind: McpServer
metadata: { name: billing }
spec:
  transport: { type: stdio, command: node, args: [billing-mcp.js], env: { TOKEN: "\${BILLING_TOKEN}" } }
  tools:
    issue_refund: { sideEffects: { level: financial, idempotent: false, requiresApproval: true } }
    slow_report: { timeoutMs: 120000 }
`;

describe("McpServer documents", () => {
  it("loads the stdio and http forms with their defaults", () => {
    const set = load(`${BILLING}---
${V1}
kind: McpServer
metadata: { name: docs }
spec:
  transport: { type: http, url: "https://mcp.example.com/mcp", headers: { Authorization: "Bearer \${DOCS_TOKEN}" } }
  connectTimeoutMs: 2500
`);
    expect(set.mcpServers.get("billing")).toEqual({
      name: "billing",
      transport: {
        type: "stdio",
        command: "node",
        args: ["billing-mcp.js"],
        env: { TOKEN: ref("BILLING_TOKEN") },
      },
      tools: {
        issue_refund: { sideEffects: { level: "financial", idempotent: false, requiresApproval: true } },
        slow_report: { timeoutMs: 120_000 },
      },
      timeoutMs: 60_000,
      connectTimeoutMs: 10_000,
    } satisfies McpServerResource);
    expect(set.mcpServers.get("docs")).toMatchObject({
      transport: {
        type: "http",
        url: "https://mcp.example.com/mcp",
        headers: { Authorization: `Bearer ${ref("DOCS_TOKEN")}` },
      },
      tools: {},
      connectTimeoutMs: 2500,
    });
    // Its tools are not known until the server is reached: none are in the set yet.
    expect([...set.tools.keys()]).toEqual([]);
  });

  it("refuses mistakes with file, document, field, reason and line", () => {
    const problems = problemsOf(`${V1}
kind: McpServer
metadata: { name: bill.ing }
spec:
  transport: { type: stdio, args: [x.js], cwd: "" }
  tools:
    issue_refund: { sideEffects: { level: costly } }
    "two words": { timeoutMs: 5 }
  timeoutMs: -1
---
${V1}
kind: McpServer
metadata: { name: docs }
spec:
  transport: { type: http, url: "ftp://mcp.example.com", header: {} }
---
${V1}
kind: McpServer
metadata: { name: pipes }
spec:
  transport: { type: carrier-pigeon }
`);
    expect(problems.map((p) => [p.document, p.path, p.reason, p.line])).toEqual([
      [0, "metadata.name", expect.stringContaining("no '.': its tools are named SERVER.TOOL"), 3],
      [0, "spec.transport.command", "required", 5],
      [0, "spec.transport.cwd", "expected a folder", 5],
      [
        0,
        "spec.tools.issue_refund.sideEffects.level",
        expect.stringContaining("expected one of read_only"),
        7,
      ],
      [0, 'spec.tools["two words"]', "expected a tool name as the server lists it (no spaces)", 8],
      [0, "spec.timeoutMs", "expected a positive whole number of milliseconds", 9],
      [1, "spec.transport.url", "expected an http(s) URL", 15],
      [1, "spec.transport.header", "unknown field", 15],
      [
        2,
        "spec.transport.type",
        "expected { type: stdio, command, args? } or { type: http, url, headers? }",
        21,
      ],
    ]);
    expect(problems.every((p) => p.file === "mcp.yaml")).toBe(true);
  });

  it("keeps the SERVER.* names for the server's tools", () => {
    const problems = problemsOf(`${BILLING}---
${V1}
kind: Tool
metadata: { name: billing.issue_refund }
spec:
  type: decision
  sideEffects: { level: financial }
`);
    expect(problems).toEqual([
      expect.objectContaining({
        document: 1,
        path: "metadata.name",
        reason:
          "names starting with billing. belong to the tools of McpServer billing; set their side effects in its spec.tools instead",
        line: 12,
      }),
    ]);
  });
});

describe("the connection's settings", () => {
  it("fills each variable reference from Countersign's environment, and names a variable that is not set", async () => {
    const { openTransport } = await import("../../gateway/execute/mcp/transport.ts");
    const { createLogger } = await import("../../bot/logger.ts");
    const server = load(BILLING).mcpServers.get("billing")!;
    const logger = createLogger("error");
    expect(() => openTransport(server, logger, { BILLING_TOKEN: "t0k3n" })).not.toThrow();
    expect(() => openTransport(server, logger, {})).toThrow(
      `spec.transport.env.TOKEN refers to ${ref("BILLING_TOKEN")}, which is not set`,
    );
  });
});

describe("classification", () => {
  const server = load(BILLING).mcpServers.get("billing")!;

  it("reads annotations fail-safe: only readOnlyHint makes a tool safe; anything else writes, privileged unless not destructive", () => {
    expect(sideEffectsFromHints({ readOnlyHint: true })).toEqual({
      level: "read_only",
      idempotent: true,
      requiresApproval: false,
    });
    expect(sideEffectsFromHints(undefined)).toEqual({
      level: "privileged",
      idempotent: false,
      requiresApproval: false,
    });
    expect(
      sideEffectsFromHints({ readOnlyHint: false, destructiveHint: false, idempotentHint: true }),
    ).toEqual({
      level: "external_write",
      idempotent: true,
      requiresApproval: false,
    });
    expect(sideEffectsFromHints({ destructiveHint: true, idempotentHint: true }).level).toBe("privileged");
    // Hints that are not booleans count as absent.
    expect(sideEffectsFromHints({ readOnlyHint: "yes", destructiveHint: "no" }).level).toBe("privileged");
  });

  it("names the tool SERVER.TOOL, of type mcp, with the override winning over the server's hints", () => {
    expect(classifyMcpTool(server, { name: "issue_refund", annotations: { readOnlyHint: true } })).toEqual({
      name: "billing.issue_refund",
      type: "mcp",
      mcp: { server: "billing", tool: "issue_refund", timeoutMs: 60_000, classifiedBy: "override" },
      sideEffects: { level: "financial", idempotent: false, requiresApproval: true },
    });
    // An override that sets only a timeout leaves the side effects to the hints.
    expect(
      classifyMcpTool(server, { name: "slow_report", annotations: { readOnlyHint: true } }),
    ).toMatchObject({
      mcp: { timeoutMs: 120_000, classifiedBy: "annotations" },
      sideEffects: { level: "read_only" },
    });
  });
});

describe("what tools/list leaves out", () => {
  const TOOLS = ["read_only", "external_write", "financial"]
    .map(
      (level) =>
        `${V1}\nkind: Tool\nmetadata: { name: t.${level} }\nspec:\n  type: decision\n  sideEffects: { level: ${level} }\n`,
    )
    .join("---\n");
  const TEAM = `${V1}\nkind: Team\nmetadata: { name: leads }\nspec:\n  members: [{ email: ana@example.com }]\n`;
  const ROUTE =
    "require: { approvalRouting: { approvers: [team:leads], timeoutMinutes: 5, onTimeout: deny } }";
  const BOT: AgentResource = { name: "bot", labels: { env: "prod" } };

  function hidden(rules: string, extraTools = ""): string[] {
    const policy = `${V1}\nkind: Policy\nmetadata: { name: p }\nspec:\n  appliesTo: { agents: [bot] }\n  rules:\n${rules}`;
    const set = load([TOOLS, TEAM, policy, extraTools].filter(Boolean).join("---\n"));
    const engine = compilePolicies(set);
    return [...set.tools.values()].filter((t) => engine.deniesOutright(BOT, t)).map((t) => t.name);
  }

  it("hides a tool a rule denies outright, and what no rule lets through but the read-only default", () => {
    expect(hidden(`    - { when: { tool.name: t.read_only }, action: deny }\n`)).toEqual([
      "t.read_only",
      "t.external_write",
      "t.financial",
    ]);
    expect(hidden(`    - { when: { agent.name: someone-else }, action: allow }\n`)).toEqual([
      "t.external_write",
      "t.financial",
    ]);
  });

  it("keeps a tool some input could reach: a deny that reads the input, an allow or a routed requirement that does", () => {
    expect(
      hidden(
        `    - { when: { tool.name: t.read_only, input.secret: true }, action: deny }\n` +
          `    - { when: { tool.name: t.external_write, input.amount: { lt: 10 } }, action: allow }\n` +
          `    - when: { tool.sideEffect: financial, input.amount: { gt: 100 } }\n      ${ROUTE}\n`,
      ),
    ).toEqual([]);
  });

  it("hides what needs a person nobody is routed to, whatever the input", () => {
    const guarded = `${V1}\nkind: Tool\nmetadata: { name: t.guarded }\nspec:\n  type: decision\n  sideEffects: { level: read_only, requiresApproval: true }\n`;
    expect(hidden(`    - { when: { tool.name: t.read_only }, action: allow }\n`, guarded)).toEqual([
      "t.external_write",
      "t.financial",
      "t.guarded",
    ]);
  });
});
