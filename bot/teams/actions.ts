// Card buttons: Action.Execute arrives as an `adaptiveCard/action` invoke whose answer is the card the
// person then sees in place of the one they pressed. Approve/Reject decide through the handlers (with the
// input as changed on the card, where the rule allows approving with edits); when nothing is recorded
// (not entitled, no rationale, an edit the Tool's schema refuses, already decided) the card comes back
// as it stands, with the reason on top and what they typed kept. No decision is made here.
import type { Activity } from "botbuilder";
import { type AdaptiveCard, type CardNotice, replyCard, VERB } from "../../blocks/adaptive.ts";
import { editValues } from "../../blocks/adaptive-edit.ts";
import { type FormValues, readEditedInput } from "../../blocks/edit-form.ts";
import { decide, getApproval } from "../../handlers/approvals/index.ts";
import { isCodedError } from "../../handlers/errors.ts";
import { editFormFor } from "../edits.ts";
import { teamsApprovalCard } from "./cards.ts";
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
    return decideFromCard(ctx, activity, id, verb, data);
  }
  try {
    if (verb === VERB.describe) {
      const id = text(data.approvalId);
      if (!id) return replyCard({ tone: "error", text: "This card names no approval." });
      // Only someone Countersign recognises sees an approval in full, as with `approvals describe`.
      await ctx.identity.actor(activity);
      return teamsApprovalCard(ctx, await getApproval(ctx.deps, id));
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
  data: Record<string, unknown>,
): Promise<AdaptiveCard> {
  const rationale = text(data.rationale) ?? "";
  let notice: CardNotice;
  let typed: FormValues | undefined;
  try {
    const actor = await ctx.identity.actor(activity);
    let input: Record<string, unknown> | undefined;
    const form = decision === "approve" ? editFormFor(ctx.deps, await getApproval(ctx.deps, id)) : undefined;
    if (form) {
      typed = editValues(form, data);
      const read = readEditedInput(form, typed);
      if (!read.ok) {
        const [field, why] = Object.entries(read.errors)[0]!;
        throw new RefusedEdit(`${field}: ${why}`);
      }
      input = read.input;
    }
    const decided = await decide(ctx.deps, {
      approvalId: id,
      decision,
      rationale,
      actor,
      via: "teams",
      ...(input !== undefined && { input }),
    });
    return teamsApprovalCard(ctx, decided);
  } catch (err) {
    notice = err instanceof RefusedEdit ? { tone: "error", text: err.message } : errorNotice(err, ctx.logger);
    if (isCodedError(err) && err.code === "not_found") return replyCard(notice);
  }
  // Shown as it stands now: pending with the reason and what was typed, or the outcome that stands.
  try {
    const current = await getApproval(ctx.deps, id);
    const pending = current.status === "pending";
    return teamsApprovalCard(ctx, current, {
      notice,
      ...(pending && { rationale, ...(typed && { typed }) }),
    });
  } catch (err) {
    return replyCard(errorNotice(err, ctx.logger));
  }
}

/** An edit the card's inputs could not even be read as (a number field holding words). */
class RefusedEdit extends Error {}
