// countersign approvals ls | decide | override: the approver's queue and actions over the HTTP API.
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { quorumProgress } from "../../blocks/decision.ts";
import { filterWords } from "../../blocks/view.ts";
import type { Approval, ApprovalPage } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { explainRefusal } from "../explain.ts";
import { type Io, printLines } from "../io.ts";
import { queueTable } from "../render/approval.ts";
import { printableData } from "../render/printable.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

const STATUSES = ["pending", "decided", "approved", "rejected", "expired", "all"];
const PAGE_MAX = 200;

export function approvalsCommand(program: Command, io: Io): void {
  const approvals = program.command("approvals").description("work the approval queue");
  examples(
    approvals,
    "countersign approvals ls",
    'countersign approvals decide ID --decision approve --rationale "…"',
  );

  examples(
    approvals
      .command("ls")
      .description("list approvals across all agents, most urgent first (pending) or newest first")
      .addOption(new Option("--status <status>", "which approvals").choices(STATUSES).default("pending"))
      .option("--agent <name>", "only this agent's")
      .option("--tool <name>", "only this tool's (or action's)")
      .addOption(new Option("--limit <n>", "at most this many").argParser(positiveInt).default(50))
      .addOption(outputOption())
      .action(
        (opts: { status: string; agent?: string; tool?: string; limit: number; output: OutputFormat }) =>
          listApprovals(io, opts),
      ),
    "countersign approvals ls",
    "countersign approvals ls --status all --agent support-bot -o json",
  );

  examples(
    approvals
      .command("decide")
      .description("approve or reject a pending approval, as the operator whose key is COUNTERSIGN_KEY")
      .argument("<id>", "the approval id, e.g. approval-call-abc123")
      .addOption(
        new Option("--decision <decision>", "approve or reject")
          .choices(["approve", "reject"])
          .makeOptionMandatory(),
      )
      .option("--rationale <text>", "why (the policy may require one)")
      .option(
        "--input <json>",
        "approve with this input instead of the agent's: JSON, or @FILE to read it (the rule must allow edits)",
        (raw: string) => editedInput(io, raw),
      )
      .addOption(outputOption())
      .action(
        async (
          id: string,
          opts: { decision: string; rationale?: string; input?: unknown; output: OutputFormat },
        ) => {
          if (opts.input !== undefined && opts.decision !== "approve") {
            throw new CliError("--input goes with --decision approve: a rejection runs nothing", EXIT_USAGE);
          }
          const client = new ApiClient(connect(io, { adminFallback: false }));
          const decided = await client
            .post<Approval>(`/v1/approvals/${encodeURIComponent(id)}`, {
              decision: opts.decision,
              rationale: opts.rationale,
              via: "cli",
              ...(opts.input !== undefined && { input: opts.input }),
            })
            .catch((err) => explainRefusal(err, io, client.conn, id));
          if (opts.output === "json") return printJson(io, decided);
          printLines(io.out, decidedLines(decided, io));
        },
      ),
    'countersign approvals decide approval-call-abc123 --decision approve --rationale "Refund eligibility confirmed."',
    'countersign approvals decide approval-call-abc123 --decision approve --rationale "Half now." --input \'{"ticket":"T-1042","amount":60}\'',
    'countersign approvals decide approval-call-abc123 --decision approve --rationale "Corrected." --input @refund.json',
  );

  examples(
    approvals
      .command("override")
      .description("break-glass: decide a pending approval under a Role granting approvals.override")
      .argument("<id>", "the approval id")
      .addOption(
        new Option("--decision <decision>", "approve or reject")
          .choices(["approve", "reject"])
          .makeOptionMandatory(),
      )
      .requiredOption("--grant-by <role>", "the Role you invoke, e.g. sre-oncall")
      .requiredOption("--reason <text>", "why this cannot wait for the routed approvers")
      .addOption(outputOption())
      .action(
        async (
          id: string,
          opts: { decision: string; grantBy: string; reason: string; output: OutputFormat },
        ) => {
          const client = new ApiClient(connect(io, { adminFallback: false }));
          const decided = await client
            .post<Approval>(`/v1/approvals/${encodeURIComponent(id)}/override`, {
              decision: opts.decision,
              grantBy: opts.grantBy,
              reason: opts.reason,
              via: "cli",
            })
            .catch((err) => explainRefusal(err, io, client.conn, id));
          if (opts.output === "json") return printJson(io, decided);
          printLines(io.out, decidedLines(decided, io));
        },
      ),
    "countersign approvals override approval-call-abc123 --decision approve --grant-by sre-oncall \\\n" +
      '      --reason "Outage: payment system down; refunds queued; manually granting."',
  );
}

async function listApprovals(
  io: Io,
  opts: { status: string; agent?: string; tool?: string; limit: number; output: OutputFormat },
): Promise<void> {
  const client = new ApiClient(connect(io, { adminFallback: true }));
  const items: Approval[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({
      status: opts.status,
      // The terminal is for working the queue: what expires soonest comes first.
      order: opts.status === "pending" ? "urgent" : "newest",
      limit: String(Math.min(opts.limit - items.length, PAGE_MAX)),
    });
    if (opts.agent) query.set("agent", opts.agent);
    if (opts.tool) query.set("tool", opts.tool);
    if (cursor) query.set("cursor", cursor);
    const page = await client
      .get<ApprovalPage>(`/v1/approvals?${query}`)
      .catch((err) => explainRefusal(err, io, client.conn));
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < opts.limit);

  if (opts.output === "json") return printJson(io, items);
  const s = io.style;
  if (items.length === 0) {
    const filters = filterWords(opts);
    io.out(
      `No ${opts.status === "all" ? "" : `${opts.status} `}approvals${filters ? ` for ${filters}` : ""}.\n`,
    );
    return;
  }
  printLines(io.out, queueTable(items, opts.status === "pending", io.now(), s));
  if (cursor !== null) io.out(s.dim(`… more not shown (--limit ${opts.limit}); raise --limit to see them\n`));
}

function decidedLines(given: Approval, io: Io): string[] {
  const a = printableData(given);
  const s = io.style;
  const d = a.decision;
  if (!d) {
    // One approval toward a quorum: recorded, and the approval waits for the others.
    return [
      `${s.green("Approval recorded")} for ${s.bold(a.id)}: ${quorumProgress(a.approvals, a.requiredApprovals)}.`,
      "It is decided once enough approvers have approved (or one rejects).",
    ];
  }
  const verb =
    d.decision === "approve" ? s.green(d.edited ? "Approved with edits" : "Approved") : s.red("Rejected");
  const how = d.kind === "override" ? ` (override under ${d.grantBy})` : "";
  const lines = [`${verb} ${s.bold(a.id)} as ${d.decidedBy}${how}: “${d.rationale}”`];
  if (a.toolCallId) {
    lines.push(
      d.decision === "approve"
        ? `The waiting tool call ${a.toolCallId} resumes now.`
        : `The waiting tool call ${a.toolCallId} is denied.`,
    );
  }
  return lines;
}

/** --input: a JSON object given inline, or @FILE (relative to the working directory) holding one. */
function editedInput(io: Io, raw: string): unknown {
  let text = raw;
  if (raw.startsWith("@")) {
    const file = path.resolve(io.cwd, raw.slice(1));
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new InvalidArgumentError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError("must be a JSON object ({…})");
  }
  return value;
}

function positiveInt(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a whole number of at least 1");
  return n;
}
