// `/approvals …` in Slack: the command runs in bot/commands/; its results become ephemeral Block Kit replies.
import {
  describeMessage,
  helpMessage,
  historyMessage,
  QUEUE_PAGE_SIZE,
  queueMessage,
  replyMessage,
  type SlackMessage,
} from "../../blocks/slack.ts";
import { type CommandRenderer, type CommandRunner, commandRunner } from "../commands/runner.ts";
import type { SlackContext } from "./context.ts";

const SLACK_REPLIES: CommandRenderer<SlackMessage> = {
  queue: (r) => queueMessage(r.items, { filter: r.filter, nextCursor: r.nextCursor }),
  history: (r) => historyMessage(r.items),
  approval: (r) => describeMessage(r.approval),
  decided: (r) => replyMessage(r.text),
  help: (r) => helpMessage(r.usage),
  usage: (r) => replyMessage(r.text, r.usage),
};

export function slackCommands(ctx: SlackContext): CommandRunner<SlackMessage> {
  const { deps, publicUrl } = ctx;
  return commandRunner({ deps, publicUrl, via: "slack", pageSize: QUEUE_PAGE_SIZE }, SLACK_REPLIES);
}
