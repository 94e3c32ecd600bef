// A settled tool call as the answer to an MCP tools/call. What the server answered is passed on as it
// was (its result, or its JSON-RPC error); everything Countersign says itself is a tool result with
// isError: true whose text names what happened: the policy and rule that denied it, who rejected it and
// why, that it timed out, that the server was unavailable, or that it may or may not have run.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { decisionPhrase } from "../../blocks/decision.ts";
import { formatTime } from "../../blocks/words.ts";
import type { Decision, ToolCall } from "../../sdk/types.ts";
import { PassedOnError } from "../execute/mcp/call.ts";

/** _meta keys on the results Countersign writes, so an agent (or a person reading its log) can look it up. */
export const META = {
  callId: "countersign/callId",
  approvalId: "countersign/approvalId",
  status: "countersign/status",
} as const;

export interface ResultContext {
  /** The approval's decision, for a call that waited for one. */
  decision: Decision | null;
  /** The call is an earlier identical one, decided before this request came. */
  repeat: boolean;
}

/** The tools/call answer for a settled call; throws the server's own JSON-RPC error where it gave one. */
export function callToolResult(call: ToolCall, ctx: ResultContext): CallToolResult {
  const upstream = upstreamResult(call);
  if (upstream) return ctx.repeat ? withRepeatLine(upstream, call, ctx.decision) : upstream;
  const refused = refusal(call);
  if (refused) throw new PassedOnError(refused.code, refused.message, refused.data);
  const lines = [explain(call, ctx.decision)];
  if (ctx.repeat && call.status === "denied") lines.push(repeatLine(call, ctx.decision));
  return countersignError(call, lines.join("\n"));
}

/** Countersign's own isError answer about a call. */
export function countersignError(
  call: Pick<ToolCall, "id" | "approvalId" | "status">,
  text: string,
): CallToolResult {
  return {
    content: [{ type: "text", text }],
    isError: true,
    _meta: {
      [META.callId]: call.id,
      [META.status]: call.status,
      ...(call.approvalId && { [META.approvalId]: call.approvalId }),
    },
  };
}

/** The server's tool result, when the call ran and the server answered with one (isError or not). */
function upstreamResult(call: ToolCall): CallToolResult | undefined {
  if (call.status !== "succeeded" && !(call.status === "failed" && call.reason === "tool_error"))
    return undefined;
  const result = call.result as Record<string, unknown> | null;
  return result && Array.isArray(result.content) ? (result as CallToolResult) : undefined;
}

function refusal(call: ToolCall): { code: number; message: string; data?: unknown } | undefined {
  const error = (call.result as { error?: { code?: unknown; message?: unknown; data?: unknown } } | null)
    ?.error;
  if (call.reason !== "tool_error" || typeof error?.code !== "number") return undefined;
  return { code: error.code, message: String(error.message ?? ""), data: error.data ?? undefined };
}

function explain(call: ToolCall, decision: Decision | null): string {
  const what = `Countersign: ${call.tool}`;
  switch (call.status) {
    case "denied":
      if (call.reason === "rejected" && decision) {
        return `${what} was ${decisionPhrase(decision, { via: true, rationale: true })}. It was not run. (approval ${call.approvalId})`;
      }
      if (call.reason === "timeout") {
        const when = decision ? ` at ${formatTime(decision.decidedAt)}` : "";
        const why = decision?.rationale ? `: ${decision.rationale}` : "";
        return `${what} was denied: its approval timed out${when}${why}. It was not run. (approval ${call.approvalId})`;
      }
      if (call.reason === "policy" && call.policy !== null) {
        const rule = call.rule === null ? "" : `, rule ${call.rule}`;
        return `${what} was denied by policy ${call.policy}${rule}. It was not run.`;
      }
      return `${what} was denied (${call.reason}): ${call.error}. It was not run.`;
    case "outcome_unknown":
      return `${what} may or may not have run: ${call.error}. It will not be sent again; check the tool's side.`;
    case "failed":
      return `${what} was not run: ${call.error}`;
    default:
      return `${what} is ${call.status}`;
  }
}

/** The line a repeat gets: when the first call was made, who decided it, and that nothing ran again. */
function repeatLine(call: ToolCall, decision: Decision | null): string {
  const decided = decision ? `, ${decisionPhrase(decision, { via: true })}` : "";
  const ran = call.status === "denied" ? "It was not run" : `It ran at ${formatTime(call.updatedAt)}`;
  return (
    `Countersign: this is the outcome of an identical call made at ${formatTime(call.createdAt)} ` +
    `(${call.id}${decided}). ${ran}, and was not run again for this request.`
  );
}

function withRepeatLine(result: CallToolResult, call: ToolCall, decision: Decision | null): CallToolResult {
  return { ...result, content: [...result.content, { type: "text", text: repeatLine(call, decision) }] };
}
