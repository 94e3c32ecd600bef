// countersign keys create | ls | revoke: API keys, with the admin key. `create` prints the key alone to
// stdout, so `export COUNTERSIGN_KEY=$(countersign keys create --operator …)` works; notes go to stderr.
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ApiKey, ApiKeyPage, CreatedKey } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { explainRefusal } from "../explain.ts";
import { type Io, printLines } from "../io.ts";
import { keyTable } from "../render/keys.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function keysCommand(program: Command, io: Io): void {
  const keys = program.command("keys").description("API keys (needs the admin key)");
  examples(keys, "countersign keys create --operator ana@example.com", "countersign keys ls");
  const admin = () => new ApiClient(connect(io, { adminFallback: true }));

  const create = keys
    .command("create")
    .description("create a key for an agent or for a person (an operator); it is shown once")
    .addOption(new Option("--agent <name>", "a key for this Agent").conflicts("operator"))
    .addOption(new Option("--operator <email>", "a key for this person").conflicts("agent"))
    .addOption(
      new Option("--expires-in-days <days>", "refuse the key after this many days").argParser(positiveDays),
    )
    .addOption(outputOption())
    .action(
      async (opts: { agent?: string; operator?: string; expiresInDays?: number; output: OutputFormat }) => {
        if (!opts.agent && !opts.operator) create.error("error: give --agent NAME or --operator EMAIL");
        const client = admin();
        const body = {
          ...(opts.agent ? { agent: opts.agent } : { operator: opts.operator }),
          ...(opts.expiresInDays !== undefined && { expiresInDays: opts.expiresInDays }),
        };
        const created = await client
          .post<CreatedKey>("/v1/keys", body)
          .catch((err) => explainRefusal(err, io, client.conn));
        if (opts.output === "json") return printJson(io, created);
        io.out(`${created.key}\n`);
        const expiry = created.expiresAt ? `, expires ${created.expiresAt}` : "";
        io.err(
          io.errStyle.dim(
            `${created.kind} key for ${created.subject} (id ${created.id}${expiry}): shown once, store it now (COUNTERSIGN_KEY).\n`,
          ),
        );
      },
    );
  examples(
    create,
    "countersign keys create --agent support-bot",
    "export COUNTERSIGN_KEY=$(countersign keys create --operator ana@example.com --expires-in-days 90)",
  );

  examples(
    keys
      .command("ls")
      .description("list keys: id, kind, agent or person, created, last used, expiry (never the key)")
      .option("--all", "include revoked and expired keys")
      .addOption(outputOption())
      .action(async (opts: { all?: boolean; output: OutputFormat }) => {
        const client = admin();
        const items: ApiKey[] = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({ status: opts.all ? "all" : "active", limit: "500" });
          if (cursor) query.set("cursor", cursor);
          const page = await client
            .get<ApiKeyPage>(`/v1/keys?${query}`)
            .catch((err) => explainRefusal(err, io, client.conn));
          items.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor !== null);
        if (opts.output === "json") return printJson(io, items);
        if (items.length === 0) return io.out(opts.all ? "No keys.\n" : "No active keys.\n");
        printLines(io.out, keyTable(items, io.now(), io.style));
      }),
    "countersign keys ls",
    "countersign keys ls --all -o json",
  );

  examples(
    keys
      .command("revoke")
      .description("revoke a key: every server refuses it within a second")
      .argument("<id>", "the key's id, as keys ls shows it")
      .addOption(outputOption())
      .action(async (id: string, opts: { output: OutputFormat }) => {
        const client = admin();
        const key = await client
          .request<ApiKey>("DELETE", `/v1/keys/${encodeURIComponent(id)}`)
          .catch((err) => explainRefusal(err, io, client.conn));
        if (opts.output === "json") return printJson(io, key);
        const who = key.agent ?? key.operator ?? "admin";
        io.out(`Revoked ${key.kind} key ${key.id} (${who}) at ${key.revokedAt}.\n`);
      }),
    "countersign keys revoke 6f1c2d3e-…",
  );
}

function positiveDays(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3650) {
    throw new InvalidArgumentError("must be a number of days between 0 and 3650");
  }
  return n;
}
