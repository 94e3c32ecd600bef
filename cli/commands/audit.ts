// countersign audit verify: recompute the audit log's hash chain on the server (admin key).
import type { Command } from "commander";
import type { AuditVerification } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { CliError } from "../errors.ts";
import { explainRefusal } from "../explain.ts";
import type { Io } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function auditCommand(program: Command, io: Io): void {
  const audit = program.command("audit").description("the tamper-evident audit log (needs the admin key)");
  examples(audit, "countersign audit verify");
  examples(
    audit
      .command("verify")
      .description("check every event's hash and link; exit 1 naming the first bad event")
      .addOption(outputOption())
      .action(async (opts: { output: OutputFormat }) => {
        const client = new ApiClient(connect(io, { adminFallback: true }));
        const result = await client
          .get<AuditVerification>("/v1/audit/verify")
          .catch((err) => explainRefusal(err, io, client.conn));
        if (opts.output === "json") printJson(io, result);
        if (!result.ok) {
          throw new CliError(
            `audit chain broken at event ${result.firstBadEventId} (${result.checked} events before it hold)`,
          );
        }
        if (opts.output === "text")
          io.out(`${io.style.green("intact")}: ${result.checked} audit events checked\n`);
      }),
    "countersign audit verify",
  );
}
