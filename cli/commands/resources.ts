// countersign resources validate PATH: the same loader start-up uses, run locally with no server, so a
// broken file is caught before deploying it. Every problem is listed with file, document, field and reason.
import path from "node:path";
import type { Command } from "commander";
import type { McpServerView } from "../../sdk/types.ts";
import { CliError } from "../errors.ts";
import { type Io, printLines } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function resourcesCommand(program: Command, io: Io): void {
  const resources = program
    .command("resources")
    .description("resource YAML (Tools, Policies, Teams, Roles, Agents, McpServers)");
  examples(resources, "countersign resources validate resources/");
  examples(
    resources
      .command("validate")
      .description("check a YAML file or a folder of them, without a server")
      .argument("<path>", "a .yaml file or a folder of them")
      .option("--offline", "do not start or reach McpServers to classify their tools")
      .addOption(outputOption())
      .action(async (target: string, opts: { output: OutputFormat; offline?: boolean }) => {
        // Loaded on demand: the other commands need no YAML or JSON Schema machinery.
        const { formatProblem, validateResourcesPath } = await import("../../gateway/resources/load.ts");
        const file = path.resolve(io.cwd, target);
        const result = validateResourcesPath(file);
        // An McpServer's tools are known only from the server: reach each (as `serve` would) to show them.
        const servers =
          result.ok && result.counts.mcpServers > 0 && !opts.offline ? await classifyMcpServers(file) : [];
        if (opts.output === "json") printJson(io, result.ok ? { ...result, mcpServers: servers } : result);
        if (!result.ok) {
          if (opts.output === "text") printLines(io.out, result.problems.map(formatProblem));
          const n = result.problems.length;
          throw new CliError(`${target}: ${n} problem${n === 1 ? "" : "s"}`);
        }
        if (opts.output === "json") return;
        const c = result.counts;
        const parts = [
          plural(c.tools, "tool"),
          plural(c.policies, "policy", "policies"),
          plural(c.teams, "team"),
          plural(c.roles, "role"),
          plural(c.agents, "agent"),
          ...(c.mcpServers > 0 ? [plural(c.mcpServers, "MCP server")] : []),
        ];
        io.out(`${io.style.green("valid")}: ${target} (${parts.join(", ")})\n`);
        const { mcpServerLines } = await import("../render/mcp.ts");
        printLines(
          io.out,
          servers.flatMap((v) => mcpServerLines(v, io.style)),
        );
      }),
    "countersign resources validate resources/",
    "countersign resources validate my-policies.yaml -o json",
    "countersign resources validate resources/ --offline    # without reaching McpServers",
  );
}

/** Each McpServer reached once (in parallel, each within its connectTimeoutMs), its tools classified. */
async function classifyMcpServers(file: string): Promise<McpServerView[]> {
  const { loadResources } = await import("../../gateway/resources/load.ts");
  const { probeMcpServer } = await import("../../gateway/execute/mcp/probe.ts");
  return Promise.all([...loadResources(file).mcpServers.values()].map(probeMcpServer));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
