// POST /v1/approvals: an agent asks a human about an action it will take itself (the SDK's
// requireApproval). Routed by the same policies, with the action name standing in for a tool name and
// the context standing in for the input.
import { randomBytes } from "node:crypto";
import { refuseOverAgentLimit } from "../../handlers/approvals/agent-limit.ts";
import { insertApproval, presentApproval } from "../../handlers/approvals/index.ts";
import { CodedError } from "../../handlers/errors.ts";
import type { Approval } from "../../sdk/types.ts";
import type { Gateway } from "./gateway.ts";

export interface AgentApprovalRequest {
  agent: string;
  action: string;
  context: Record<string, unknown>;
  timeoutMs?: number | undefined;
  /** The email of the person the agent acts for: never the approver of this approval. */
  requestedBy?: string | undefined;
}

export async function createAgentApproval(g: Gateway, req: AgentApprovalRequest): Promise<Approval> {
  const agent = g.deps.resources().agents.get(req.agent) ?? { name: req.agent, labels: {} };
  const verdict = g.policy.evaluate({ agent, tool: { name: req.action }, input: req.context });
  if (verdict.outcome === "deny" && verdict.code === "denied") {
    throw new CodedError("denied", verdict.reason, {
      reason: "policy",
      policy: verdict.policy,
      rule: verdict.rule,
    });
  }
  if (verdict.outcome !== "require_approval") {
    // Allowed, or nothing matched: either way no person is routed to answer.
    throw new CodedError(
      "no_route",
      `no policy routes ${req.action} to approvers for agent ${req.agent}: add a rule that matches ` +
        `tool.name: ${req.action} with require.approvalRouting`,
      { policy: verdict.policy, rule: verdict.rule },
    );
  }
  const id = `approval-${randomBytes(8).toString("hex")}`;
  const now = g.deps.clock.now();
  const row = await g.deps.database.db.transaction(async (tx) => {
    await refuseOverAgentLimit(tx, req.agent, now, g.approvalsPerAgentPerMinute);
    return insertApproval(
      tx,
      {
        id,
        agent: req.agent,
        tool: null,
        action: req.action,
        toolCallId: null,
        input: {},
        context: req.context,
        risk: null,
        policy: verdict.policy,
        rule: verdict.rule,
        routing: verdict.routing,
        timeoutMs: req.timeoutMs,
        requestedBy: req.requestedBy,
      },
      now,
    );
  });
  return presentApproval(row, null, now);
}
