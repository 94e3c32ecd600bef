// countersign resources validate PATH: the same loader start-up uses, run locally with no server, so a
// broken file is caught before deploying it. Every problem is listed with file, document, field and reason.
import path from "node:path";
import type { Command } from "commander";
import { CliError } from "../errors.ts";
import { type Io, printLines } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function resourcesCommand(program: Command, io: Io): void {
  const resources = program
    .command("resources")
    .description("resource YAML (Tools, Policies, Teams, Roles, Agents)");
  examples(resources, "countersign resources validate resources/");
  examples(
    resources
      .command("validate")
      .description("check a YAML file or a folder of them, without a server")
      .argument("<path>", "a .yaml file or a folder of them")
      .addOption(outputOption())
      .action(async (target: string, opts: { output: OutputFormat }) => {
        // Loaded on demand: the other commands need no YAML or JSON Schema machinery.
        const { formatProblem, validateResourcesPath } = await import("../../gateway/resources/load.ts");
        const result = validateResourcesPath(path.resolve(io.cwd, target));
        if (opts.output === "json") printJson(io, result);
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
        ];
        io.out(`${io.style.green("valid")}: ${target} (${parts.join(", ")})\n`);
      }),
    "countersign resources validate resources/",
    "countersign resources validate my-policies.yaml -o json",
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
