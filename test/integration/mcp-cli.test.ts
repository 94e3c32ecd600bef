// `countersign resources validate` with McpServers: each is reached once, as `serve` would reach it, and
// its tools are shown as policies will judge them; one that cannot be reached is said so, and the YAML
// still counts as valid (its tools are classified when the server reaches it). `--offline` reaches none.
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "../helpers/cli.ts";
import { BILLING_SERVER, upstreamFiles } from "../helpers/mcp-world.ts";
import { resourcesYaml, API_VERSION as V } from "../helpers/resource-yaml.ts";

const files = upstreamFiles();
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

const yamlFile = path.join(files.dir, "mcp.yaml");
writeFileSync(
  yamlFile,
  resourcesYaml(
    `${V}
kind: McpServer
metadata: { name: billing }
spec:
  transport: { type: stdio, command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(BILLING_SERVER)}] }
  tools:
    issue_refund: { sideEffects: { level: financial, requiresApproval: true } }
    refund_everyone: { sideEffects: { level: financial } }`,
    `${V}
kind: McpServer
metadata: { name: ghost }
spec:
  transport: { type: stdio, command: /nonexistent/ghost-mcp }
  connectTimeoutMs: 1500`,
  ),
);

describe("resources validate with McpServers", () => {
  it("shows each reachable server's tools as classified, and why another could not be reached", async () => {
    const r = await runCliInProcess(["resources", "validate", yamlFile]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe(
      `valid: ${yamlFile} (0 tools, 0 policies, 0 teams, 0 roles, 0 agents, 2 MCP servers)`,
    );
    expect(lines[1]).toMatch(
      /^McpServer billing \(stdio: .+billing-server\.mjs\): connected since \S+, server billing-fixture 1\.0\.0; 5 tools$/,
    );
    expect(lines.slice(2, 8).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ["TOOL", "SIDE EFFECT", "IDEMPOTENT", "APPROVAL", "CLASSIFIED BY"],
      ["billing.issue_refund", "financial", "no", "required", "spec.tools"],
      ["billing.get_balance", "read_only", "yes", "by policy", "readOnlyHint"],
      ["billing.close_account", "privileged", "no", "by policy", "no hints: fail-safe"],
      ["billing.open_desk", "read_only", "yes", "by policy", "readOnlyHint"],
      [
        "billing.send_receipt",
        "external_write",
        "yes",
        "by policy",
        "destructiveHint: false, idempotentHint",
      ],
    ]);
    expect(lines[8]).toBe("  spec.tools names tools the server does not list: refund_everyone");
    expect(lines[9]).toBe(
      "McpServer ghost (stdio: /nonexistent/ghost-mcp): unavailable: cannot start /nonexistent/ghost-mcp: no such command",
    );
    expect(lines[10]).toBe("  its tools are classified once Countersign reaches it");
  });

  it("gives scripts the same in JSON, and reaches nothing with --offline", async () => {
    const json = await runCliInProcess(["resources", "validate", yamlFile, "-o", "json"]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.mcpServers.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ["billing", "connected"],
      ["ghost", "unavailable"],
    ]);
    expect(parsed.mcpServers[0].tools[0]).toEqual({
      name: "billing.issue_refund",
      tool: "issue_refund",
      sideEffects: { level: "financial", idempotent: false, requiresApproval: true },
      classifiedBy: "override",
      hints: {},
    });
    const offline = await runCliInProcess(["resources", "validate", yamlFile, "--offline"]);
    expect(offline.stdout).toBe(
      `valid: ${yamlFile} (0 tools, 0 policies, 0 teams, 0 roles, 0 agents, 2 MCP servers)\n`,
    );
  });
});
