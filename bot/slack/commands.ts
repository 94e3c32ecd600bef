// Runs a parsed `/approvals` command through the approvals handlers and renders the ephemeral reply.
import {
  describeMessage,
  helpMessage,
  historyMessage,
  QUEUE_PAGE_SIZE,
  type QueueFilter,
  queueMessage,
  replyMessage,
  type SlackMessage,
} from "../../blocks/slack.ts";
import { approvalFacts, outcomeLine } from "../../blocks/view.ts";
import { type Actor, decide, getApproval, listQueue, override } from "../../handlers/approvals/index.ts";
import type { Command } from "./command-parser.ts";
import type { SlackContext } from "./context.ts";

/** One page of the queue `actor` may decide, most urgent first. */
export async function queuePage(
  ctx: SlackContext,
  actor: Actor,
  filter: QueueFilter,
  cursor?: string,
): Promise<SlackMessage> {
  const page = await listQueue(ctx.deps, {
    status: "pending",
    agent: filter.agent,
    tool: filter.tool,
    approver: actor,
    order: "urgent",
    limit: QUEUE_PAGE_SIZE,
    cursor,
  });
  return queueMessage(
    page.items.map((a) => approvalFacts(a, ctx.publicUrl)),
    { filter, nextCursor: page.nextCursor },
  );
}

export async function runCommand(ctx: SlackContext, actor: Actor, cmd: Command): Promise<SlackMessage> {
  switch (cmd.kind) {
    case "ls":
      return queuePage(ctx, actor, { agent: cmd.agent, tool: cmd.tool });
    case "describe":
      return describeMessage(approvalFacts(await getApproval(ctx.deps, cmd.id), ctx.publicUrl));
    case "decide": {
      const a = await decide(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        rationale: cmd.rationale,
        actor,
        via: "slack",
      });
      return replyMessage(`${outcomeLine(a.decision!)} (${a.id}). Every posted card will show it.`);
    }
    case "history": {
      const page = await listQueue(ctx.deps, {
        status: "decided",
        approver: actor,
        order: "newest",
        limit: QUEUE_PAGE_SIZE,
      });
      return historyMessage(page.items.map((a) => approvalFacts(a, ctx.publicUrl)));
    }
    case "override": {
      const a = await override(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        grantBy: cmd.grantBy,
        reason: cmd.reason,
        actor,
        via: "slack",
      });
      return replyMessage(
        `${outcomeLine(a.decision!)} (${a.id}). The cards show it and ${cmd.grantBy}'s channels are told.`,
      );
    }
    case "help":
      return helpMessage();
    case "usage":
      return replyMessage(`${cmd.error}.`, true);
  }
}
