// One Bot Framework turn: a card button (invoke `adaptiveCard/action`) is answered in the invoke
// response; a message is the `approvals …` command, answered with a card in the same conversation.
// Everything else (installs, members joining, reactions) needs no answer.
import type { Activity, TurnContext } from "botbuilder";
import { replyCard } from "../../blocks/adaptive.ts";
import { onCardAction } from "./actions.ts";
import { cardInvokeResponse, cardMessage } from "./cards.ts";
import { teamsCommands } from "./commands.ts";
import type { TeamsContext } from "./context.ts";
import { errorNotice } from "./replies.ts";

export const CARD_ACTION_INVOKE = "adaptiveCard/action";

export function turnLogic(ctx: TeamsContext) {
  return async (turn: TurnContext): Promise<void> => {
    const activity = turn.activity;
    if (activity.type === "invoke" && activity.name === CARD_ACTION_INVOKE) {
      const card = await onCardAction(ctx, activity);
      await turn.sendActivity({ type: "invokeResponse", value: cardInvokeResponse(card) });
      return;
    }
    if (activity.type === "message" && typeof activity.text === "string") {
      const card = await onCommand(ctx, activity);
      await turn.sendActivity(cardMessage(card));
    }
  };
}

async function onCommand(ctx: TeamsContext, activity: Activity) {
  try {
    const actor = await ctx.identity.actor(activity);
    return await teamsCommands(ctx).run(actor, commandWords(activity.text ?? ""));
  } catch (err) {
    return replyCard(errorNotice(err, ctx.logger));
  }
}

/**
 * The words after `approvals`: Teams puts the bot's @mention in the text as `<at>Name</at>` (in channels)
 * and may send simple HTML; both go, and so does the leading `approvals` (or `/approvals`) itself.
 */
export function commandWords(text: string): string {
  return text
    .replace(/<at>[^<]*<\/at>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .trim()
    .replace(/^\/?approvals\b/i, "")
    .trim();
}
