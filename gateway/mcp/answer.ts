// A settled call's answer, with the decision it waited for read from the approval.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { findApproval, presentDecision } from "../../handlers/approvals/index.ts";
import type { Decision, ToolCall } from "../../sdk/types.ts";
import type { Gateway } from "../submit/gateway.ts";
import { callToolResult } from "./results.ts";

export async function answer(g: Gateway, call: ToolCall, repeat: boolean): Promise<CallToolResult> {
  return callToolResult(call, { decision: await decisionOf(g, call), repeat });
}

async function decisionOf(g: Gateway, call: ToolCall): Promise<Decision | null> {
  if (!call.approvalId) return null;
  const found = await findApproval(g.deps.database.db, call.approvalId);
  return found?.decision ? presentDecision(found.decision) : null;
}
