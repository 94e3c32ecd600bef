// countersign keys create: mint an agent or operator key with the admin key. The key alone goes to
// stdout, so `export COUNTERSIGN_KEY=$(countersign keys create --operator …)` works; the note goes to stderr.
import { type Command, Option } from "commander";
import type { CreatedKey } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { explainRefusal } from "../explain.ts";
import type { Io } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function keysCommand(program: Command, io: Io): void {
  const keys = program.command("keys").description("API keys (needs the admin key)");
  examples(keys, "countersign keys create --operator ana@example.com");
  const create = keys
    .command("create")
    .description("create a key for an agent or for a person (an operator); it is shown once")
    .addOption(new Option("--agent <name>", "a key for this Agent").conflicts("operator"))
    .addOption(new Option("--operator <email>", "a key for this person").conflicts("agent"))
    .addOption(outputOption())
    .action(async (opts: { agent?: string; operator?: string; output: OutputFormat }) => {
      if (!opts.agent && !opts.operator) create.error("error: give --agent NAME or --operator EMAIL");
      const client = new ApiClient(connect(io, { adminFallback: true }));
      const created = await client
        .post<CreatedKey>("/v1/keys", opts.agent ? { agent: opts.agent } : { operator: opts.operator })
        .catch((err) => explainRefusal(err, io, client.conn));
      if (opts.output === "json") return printJson(io, created);
      io.out(`${created.key}\n`);
      io.err(
        io.errStyle.dim(
          `${created.kind} key for ${created.subject}: shown once, store it now (COUNTERSIGN_KEY).\n`,
        ),
      );
    });
  examples(
    create,
    "countersign keys create --agent support-bot",
    "export COUNTERSIGN_KEY=$(countersign keys create --operator ana@example.com)",
  );
}
