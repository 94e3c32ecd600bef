// Creates approvals straight through the domain, routed by the real policy engine, for tests that are
// about deciding rather than about how agents ask.
import { randomBytes } from "node:crypto";
import { compilePolicies } from "../../gateway/policy/engine.ts";
import { insertApproval, type NewApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";

export interface SeedOptions {
  agent?: string;
  tool?: string;
  input?: unknown;
  timeoutMs?: number;
}

/** The approval the real policies route for `opts` (support-bot's refund by default), minus its ids. */
export function routedApproval(
  deps: HandlerDeps,
  opts: SeedOptions = {},
): Omit<NewApproval, "id" | "toolCallId"> & { tool: string } {
  const resources = deps.resources();
  const agentName = opts.agent ?? "support-bot";
  const toolName = opts.tool ?? "refund.issue";
  const agent = resources.agents.get(agentName) ?? { name: agentName, labels: {} };
  const tool = resources.tools.get(toolName);
  if (!tool) throw new Error(`seed: no tool ${toolName}`);
  const input = opts.input ?? { ticket: "T-1", amount: 42 };
  const verdict = compilePolicies(resources).evaluate({ agent, tool, input });
  if (verdict.outcome !== "require_approval") {
    throw new Error(`seed: ${toolName} for ${agentName} does not need approval (${verdict.outcome})`);
  }
  return {
    agent: agentName,
    tool: toolName,
    action: toolName,
    input,
    context: {},
    risk: tool.sideEffects.level,
    policy: verdict.policy,
    rule: verdict.rule,
    routing: verdict.routing,
    timeoutMs: opts.timeoutMs,
  };
}

export async function seedApproval(deps: HandlerDeps, opts: SeedOptions = {}): Promise<string> {
  const approval = routedApproval(deps, opts);
  const id = `approval-call-${randomBytes(6).toString("hex")}`;
  await deps.database.db.transaction((tx) =>
    insertApproval(tx, { ...approval, id, toolCallId: null }, deps.clock.now()),
  );
  return id;
}
