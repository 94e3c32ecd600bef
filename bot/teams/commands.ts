// `approvals …` in Teams: the command runs in bot/commands/; its results become the Adaptive Card the bot
// replies with (or, for Next page, the card shown in place of the pressed one).

import {
  type AdaptiveCard,
  approvalCard,
  helpCard,
  historyCard,
  queueCard,
  replyCard,
} from "../../blocks/adaptive.ts";
import { editInputs } from "../../blocks/adaptive-edit.ts";
import { TEAMS_LIMITS } from "../../blocks/limits.ts";
import { type CommandRenderer, type CommandRunner, commandRunner } from "../commands/runner.ts";
import type { TeamsContext } from "./context.ts";

const TEAMS_REPLIES: CommandRenderer<AdaptiveCard> = {
  queue: (r) => queueCard(r.items, { filter: r.filter, nextCursor: r.nextCursor }),
  history: (r) => historyCard(r.items),
  approval: (r) => approvalCard(r.approval, { editInputs: r.form && editInputs(r.form) }),
  decided: (r) => replyCard({ tone: "info", text: r.text }),
  help: (r) => helpCard(r.usage),
  usage: (r) => replyCard({ tone: "error", text: r.text }, r.usage),
};

export function teamsCommands(ctx: TeamsContext): CommandRunner<AdaptiveCard> {
  const { deps, publicUrl } = ctx;
  return commandRunner({ deps, publicUrl, via: "teams", pageSize: TEAMS_LIMITS.queueRows }, TEAMS_REPLIES);
}
