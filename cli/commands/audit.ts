// countersign audit: verify the log (on the server, or offline from an export file with only the public
// key), export it for a third party, and print the public key that vouches for it.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { verifyExport } from "../../handlers/audit-proof.ts";
import type { AuditExport, AuditVerification } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { CliError } from "../errors.ts";
import { explainRefusal } from "../explain.ts";
import type { Io } from "../io.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

interface VerifyOptions {
  output: OutputFormat;
  file?: string;
  publicKey?: string[];
}

export function auditCommand(program: Command, io: Io): void {
  const audit = program
    .command("audit")
    .description("the tamper-evident audit log: hash chain and signed checkpoints (needs the admin key)");
  examples(
    audit,
    "countersign audit verify",
    "countersign audit export --out audit.json && countersign audit public-key > audit.pub",
    "countersign audit verify --file audit.json --public-key audit.pub",
  );

  examples(
    audit
      .command("verify")
      .description(
        "check every event's hash and link and every signed checkpoint; exit 1 naming each problem. " +
          "With --file, check an export offline with only --public-key (no server, no admin key)",
      )
      .option("--file <export.json>", "an export written by `countersign audit export`")
      .option("--public-key <key.pub...>", "the PEM public key(s) to trust for --file")
      .addOption(outputOption())
      .action(async (opts: VerifyOptions) => {
        const result = opts.file ? verifyFile(io, opts.file, opts.publicKey ?? []) : await verifyOnServer(io);
        if (opts.output === "json") printJson(io, result);
        if (!result.ok) {
          const problems = result.problems?.length
            ? result.problems
            : [`audit chain broken at event ${result.firstBadEventId}`];
          throw new CliError(
            `audit log does not verify (${result.checked} events hold before the first problem):\n` +
              problems.map((p) => `  - ${p}`).join("\n"),
          );
        }
        if (opts.output === "text") {
          const signed = result.signedThrough
            ? `, signed through event ${result.signedThrough} by ${result.checkpoints} checkpoint(s)`
            : ", no signed checkpoint yet";
          const tail = result.unsignedEvents ? ` (${result.unsignedEvents} newer events await the next)` : "";
          io.out(`${io.style.green("intact")}: ${result.checked} audit events checked${signed}${tail}\n`);
        }
      }),
    "countersign audit verify",
    "countersign audit verify --file audit.json --public-key audit.pub",
  );

  examples(
    audit
      .command("export")
      .description("sign the head and write every event and checkpoint, with the public key, to a file")
      .requiredOption("--out <file>", "where to write the export (JSON)")
      .action(async (opts: { out: string }) => {
        const client = new ApiClient(connect(io, { adminFallback: true }));
        const file = await client
          .post<AuditExport>("/v1/audit/export", {})
          .catch((err) => explainRefusal(err, io, client.conn));
        const target = path.resolve(io.cwd, opts.out);
        writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
        io.out(
          `wrote ${file.events.length} events and ${file.checkpoints.length} checkpoints to ${target}\n` +
            `signing key ${file.keyId}: hand the verifier its public key (countersign audit public-key) by a ` +
            `channel they trust, not inside this file\n`,
        );
      }),
    "countersign audit export --out audit.json",
  );

  examples(
    audit
      .command("public-key")
      .description("print the PEM public key that signs the audit checkpoints")
      .action(async () => {
        const client = new ApiClient(connect(io, { adminFallback: true }));
        const key = await client
          .get<{ keyId: string; publicKey: string }>("/v1/audit/public-key")
          .catch((err) => explainRefusal(err, io, client.conn));
        io.out(key.publicKey);
      }),
    "countersign audit public-key > audit.pub",
  );
}

async function verifyOnServer(io: Io): Promise<AuditVerification> {
  const client = new ApiClient(connect(io, { adminFallback: true }));
  return client
    .get<AuditVerification>("/v1/audit/verify")
    .catch((err) => explainRefusal(err, io, client.conn));
}

function verifyFile(io: Io, file: string, keyFiles: string[]): AuditVerification {
  if (keyFiles.length === 0) {
    throw new CliError("--file needs --public-key: the key you trust, obtained apart from the file");
  }
  const read = (f: string) => {
    try {
      return readFileSync(path.resolve(io.cwd, f), "utf8");
    } catch (err) {
      throw new CliError(`cannot read ${f}: ${(err as Error).message}`);
    }
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(read(file));
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return verifyExport(parsed, keyFiles.map(read));
  } catch (err) {
    throw new CliError(`cannot verify ${file}: ${(err as Error).message}`);
  }
}
