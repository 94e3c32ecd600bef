// Card buttons: Action.Execute arrives as an `adaptiveCard/action` invoke whose answer is the card the
// person then sees in place of the one they pressed. Approve/Reject decide through the handlers; when
// nothing is recorded (not entitled, no rationale, already decided) the card comes back as it stands,
// with the reason on top and what they typed kept. No decision is made here.
import type { Activity } from "botbuilder";
import { type AdaptiveCard, approvalCard, type CardNotice, replyCard, VERB } from "../../blocks/adaptive.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { decide, getApproval } from "../../handlers/approvals/index.ts";
import { isCodedError } from "../../handlers/errors.ts";
import { teamsCommands } from "./commands.ts";
import type { TeamsContext } from "./context.ts";
import { errorNotice } from "./replies.ts";

/** `value` of an adaptiveCard/action invoke: Teams merges the card's inputs into `action.data`. */
interface ActionValue {
  action?: { type?: string; verb?: string; data?: Record<string, unknown> };
  trigger?: string;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export async function onCardAction(ctx: TeamsContext, activity: Activity): Promise<AdaptiveCard> {
  const action = (activity.value as ActionValue | undefined)?.action;
  const data = action?.data && typeof action.data === "object" ? action.data : {};
  const verb = action?.verb;
  if (verb === VERB.approve || verb === VERB.reject) {
    const id = text(data.approvalId);
    if (!id)
      return replyCard({ tone: "error", text: "This card names no approval; open it again from the queue." });
    return decideFromCard(ctx, activity, id, verb, text(data.rationale) ?? "");
  }
  try {
    if (verb === VERB.describe) {
      const id = text(data.approvalId);
      if (!id) return replyCard({ tone: "error", text: "This card names no approval." });
      // Only someone Countersign recognises sees an approval in full, as with `approvals describe`.
      await ctx.identity.actor(activity);
      return approvalCard(approvalFacts(await getApproval(ctx.deps, id), ctx.publicUrl));
    }
    if (verb === VERB.page) {
      const actor = await ctx.identity.actor(activity);
      return await teamsCommands(ctx).queuePage(
        actor,
        { agent: text(data.agent), tool: text(data.tool) },
        text(data.cursor),
      );
    }
    return replyCard({ tone: "error", text: `Countersign does not know the card action "${verb ?? ""}".` });
  } catch (err) {
    return replyCard(errorNotice(err, ctx.logger));
  }
}

async function decideFromCard(
  ctx: TeamsContext,
  activity: Activity,
  id: string,
  decision: "approve" | "reject",
  rationale: string,
): Promise<AdaptiveCard> {
  let notice: CardNotice;
  try {
    const actor = await ctx.identity.actor(activity);
    const decided = await decide(ctx.deps, { approvalId: id, decision, rationale, actor, via: "teams" });
    return approvalCard(approvalFacts(decided, ctx.publicUrl));
  } catch (err) {
    notice = errorNotice(err, ctx.logger);
    if (isCodedError(err) && err.code === "not_found") return replyCard(notice);
  }
  // Shown as it stands now: pending with the reason and the typed rationale, or the outcome that stands.
  try {
    const current = approvalFacts(await getApproval(ctx.deps, id), ctx.publicUrl);
    return approvalCard(current, { notice, rationale: current.pending ? rationale : undefined });
  } catch (err) {
    return replyCard(errorNotice(err, ctx.logger));
  }
}
