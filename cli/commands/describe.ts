// countersign describe approval ID: the whole record, with deliveries and (for an admin key) the audit trail.
import type { Command } from "commander";
import type { Approval, AuditPage, ToolCall } from "../../sdk/types.ts";
import { ApiClient, connect } from "../client.ts";
import { ApiError } from "../errors.ts";
import { explainRefusal } from "../explain.ts";
import { type Io, printLines } from "../io.ts";
import { type DescribeInput, describeApproval } from "../render/describe.ts";
import { examples, type OutputFormat, outputOption, printJson } from "./shared.ts";

export function describeCommand(program: Command, io: Io): void {
  const describe = program.command("describe").description("show one thing in full");
  examples(describe, "countersign describe approval approval-call-abc123");
  examples(
    describe
      .command("approval")
      .description("request, input, policy and rule, routing, deliveries, decision and audit trail")
      .argument("<id>", "the approval id, e.g. approval-call-abc123")
      .addOption(outputOption())
      .action(async (id: string, opts: { output: OutputFormat }) => {
        const client = new ApiClient(connect(io, { adminFallback: true }));
        const approval = await client
          .get<Approval>(`/v1/approvals/${encodeURIComponent(id)}`)
          .catch((err) => explainRefusal(err, io, client.conn, id));
        const [audit, toolCall] = await Promise.all([auditTrail(client, id), heldCall(client, approval)]);
        if (opts.output === "json") {
          return printJson(io, {
            ...approval,
            audit: Array.isArray(audit) ? audit : null,
            toolCall: toolCall ?? null,
          });
        }
        const input: DescribeInput = { approval, audit, toolCall };
        printLines(io.out, describeApproval(input, io.now(), io.style));
      }),
    "countersign describe approval approval-call-abc123",
    "countersign describe approval approval-call-abc123 -o json",
  );
}

/** The tool call the approval holds; left out when the server does not show it to this key. */
async function heldCall(client: ApiClient, approval: Approval): Promise<ToolCall | undefined> {
  if (!approval.toolCallId) return undefined;
  try {
    return await client.get<ToolCall>(`/v1/tool-calls/${encodeURIComponent(approval.toolCallId)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) return undefined;
    throw err;
  }
}

async function auditTrail(client: ApiClient, id: string): Promise<DescribeInput["audit"]> {
  try {
    const page = await client.get<AuditPage>(`/v1/audit?approvalId=${encodeURIComponent(id)}`);
    return page.items;
  } catch (err) {
    if (err instanceof ApiError && err.code === "forbidden") {
      return {
        unavailable:
          `the audit trail needs an admin key; the key from ${client.conn.keySource} is not one ` +
          "(on the server's machine, run with COUNTERSIGN_KEY unset to use its admin.key)",
      };
    }
    throw err;
  }
}
