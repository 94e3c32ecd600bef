// Builds the command line and runs it, answering the exit code: 0 done, 1 refused or failed, 2 usage.
// Nothing here exits the process, so tests run the CLI in-process as well as through bin/countersign.mjs.
import { Command, CommanderError } from "commander";
import { approvalsCommand } from "./commands/approvals.ts";
import { auditCommand } from "./commands/audit.ts";
import { consoleCommand } from "./commands/console.ts";
import { describeCommand } from "./commands/describe.ts";
import { keysCommand } from "./commands/keys.ts";
import { mcpCommand } from "./commands/mcp.ts";
import { resourcesCommand } from "./commands/resources.ts";
import { serveCommand } from "./commands/serve.ts";
import { examples } from "./commands/shared.ts";
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./errors.ts";
import type { Io } from "./io.ts";
import { printable } from "./render/printable.ts";
import { packageVersion } from "./version.ts";

export function buildProgram(io: Io): Command {
  const program = new Command("countersign")
    .description(
      "Countersign: human approval for AI agents' tool calls.\n" +
        "Talks to COUNTERSIGN_URL (default http://127.0.0.1:8080) with COUNTERSIGN_KEY.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    // Settings made here are inherited by every command added below.
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (text, write) => write(io.errStyle.red(text)),
    })
    .showHelpAfterError("(add --help for usage)");
  examples(program, "countersign approvals ls", "countersign describe approval approval-call-abc123");
  serveCommand(program, io);
  approvalsCommand(program, io);
  describeCommand(program, io);
  keysCommand(program, io);
  consoleCommand(program, io);
  resourcesCommand(program, io);
  auditCommand(program, io);
  mcpCommand(program, io);
  return program;
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: "user" });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help asked for is success; help shown because a command was incomplete is a usage error.
      return err.code === "commander.helpDisplayed" || err.code === "commander.version"
        ? EXIT_OK
        : EXIT_USAGE;
    }
    if (err instanceof CliError) {
      io.err(io.errStyle.red(`countersign: ${printable(err.message)}`) + "\n");
      return err.exitCode;
    }
    io.err(
      io.errStyle.red(`countersign: unexpected error: ${err instanceof Error ? err.stack : String(err)}`) +
        "\n",
    );
    return EXIT_FAILED;
  }
}
