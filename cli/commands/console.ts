// countersign console link --operator EMAIL: a one-time sign-in link for the web console, valid 15
// minutes, with the admin key. Prints the URL alone on stdout, so it can be piped or opened.
import type { Command } from "commander";
import { ApiClient, connect } from "../client.ts";
import { explainRefusal } from "../explain.ts";
import type { Io } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

interface ConsoleLink {
  operator: string;
  url: string;
  expiresAt: string;
}

export function consoleCommand(program: Command, io: Io): void {
  const group = program.command("console").description("the web console (sign-in links need the admin key)");
  examples(group, "countersign console link --operator ana@example.com");
  examples(
    group
      .command("link")
      .description("print a one-time sign-in link for a person, valid 15 minutes")
      .requiredOption("--operator <email>", "the person who signs in (they need an operator key)")
      .addOption(outputOption())
      .action(async (opts: { operator: string; output: OutputFormat }) => {
        const client = new ApiClient(connect(io, { adminFallback: true }));
        const link = await client
          .post<ConsoleLink>("/v1/console/links", { operator: opts.operator })
          .catch((err) => explainRefusal(err, io, client.conn));
        if (opts.output === "json") return printJson(io, link);
        io.out(`${link.url}\n`);
        io.err(io.errStyle.dim(`sign-in link for ${link.operator}: works once, until ${link.expiresAt}\n`));
      }),
    "countersign console link --operator ana@example.com",
  );
}
