// Runs a parsed `approvals …` command (the parser is Slack's, which knows no Slack) through the approvals
// handlers and renders the card the bot replies with.
import {
  type AdaptiveCard,
  approvalCard,
  helpCard,
  historyCard,
  type QueueFilter,
  queueCard,
  replyCard,
} from "../../blocks/adaptive.ts";
import { TEAMS_LIMITS } from "../../blocks/limits.ts";
import { approvalFacts, outcomeLine } from "../../blocks/view.ts";
import { type Actor, decide, getApproval, listQueue, override } from "../../handlers/approvals/index.ts";
import type { Command } from "../slack/command-parser.ts";
import type { TeamsContext } from "./context.ts";

/** One page of the queue `actor` may decide, most urgent first. */
export async function queuePage(
  ctx: TeamsContext,
  actor: Actor,
  filter: QueueFilter,
  cursor?: string,
): Promise<AdaptiveCard> {
  const page = await listQueue(ctx.deps, {
    status: "pending",
    agent: filter.agent,
    tool: filter.tool,
    approver: actor,
    order: "urgent",
    limit: TEAMS_LIMITS.queueRows,
    cursor,
  });
  return queueCard(
    page.items.map((a) => approvalFacts(a, ctx.publicUrl)),
    { filter, nextCursor: page.nextCursor },
  );
}

export async function runCommand(ctx: TeamsContext, actor: Actor, cmd: Command): Promise<AdaptiveCard> {
  switch (cmd.kind) {
    case "ls":
      return queuePage(ctx, actor, { agent: cmd.agent, tool: cmd.tool });
    case "describe":
      return approvalCard(approvalFacts(await getApproval(ctx.deps, cmd.id), ctx.publicUrl));
    case "decide": {
      const a = await decide(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        rationale: cmd.rationale,
        actor,
        via: "teams",
      });
      return replyCard({
        tone: "info",
        text: `${outcomeLine(a.decision!)} (${a.id}). Every posted card will show it.`,
      });
    }
    case "history": {
      const page = await listQueue(ctx.deps, {
        status: "decided",
        approver: actor,
        order: "newest",
        limit: TEAMS_LIMITS.queueRows,
      });
      return historyCard(page.items.map((a) => approvalFacts(a, ctx.publicUrl)));
    }
    case "override": {
      const a = await override(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        grantBy: cmd.grantBy,
        reason: cmd.reason,
        actor,
        via: "teams",
      });
      return replyCard({
        tone: "info",
        text: `${outcomeLine(a.decision!)} (${a.id}). The cards show it and ${cmd.grantBy}'s channels are told.`,
      });
    }
    case "help":
      return helpCard();
    case "usage":
      return replyCard({ tone: "error", text: `${cmd.error}.` }, true);
  }
}
