// The decide modal: opened by Approve or Reject once the domain says the person may decide, and submitted
// with the rationale (and, where the rule allows approving with edits, the input as changed). What fails
// comes back in the modal beside the input it concerns (response_action: errors), and nothing is recorded.
import { type EditForm, formFieldOf, readEditedInput } from "../../blocks/edit-form.ts";
import { decideModal, RATIONALE_BLOCK, RATIONALE_INPUT } from "../../blocks/slack.ts";
import { editBlockId, editBlocks, editValues } from "../../blocks/slack-edit.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { decide, getApproval } from "../../handlers/approvals/index.ts";
import { isCodedError } from "../../handlers/errors.ts";
import type { Approval } from "../../sdk/types.ts";
import { editFormFor } from "../edits.ts";
import type { SlackContext } from "./context.ts";
import { readMetadata, UNREADABLE_METADATA, type ViewBody } from "./payloads.ts";
import { errorText } from "./replies.ts";
import { slackView } from "./web.ts";

/** Answers a submission: nothing (closes the modal) or the errors to show in it. */
export type ModalAck = { response_action: "errors"; errors: Record<string, string> } | undefined;

/** Opens the modal for an approval the person may decide (openDecision said so). */
export async function openDecideModal(
  ctx: SlackContext,
  triggerId: string,
  open: Approval,
  decision: "approve" | "reject",
): Promise<void> {
  const facts = approvalFacts(open, ctx.publicUrl);
  const form = decision === "approve" ? editFormFor(ctx.deps, open) : undefined;
  const edit = form ? editBlocks(form, open.id) : undefined;
  await ctx.web.views.open({ trigger_id: triggerId, view: slackView(decideModal(facts, decision, edit)) });
}

export async function submitDecideModal(ctx: SlackContext, b: ViewBody): Promise<ModalAck> {
  const meta = readMetadata(b.view, "decide");
  if (!meta) return errors({ [RATIONALE_BLOCK]: UNREADABLE_METADATA });
  const values = b.view.state.values;
  let form: EditForm | undefined;
  try {
    const actor = await ctx.identity.actor(b.user.id);
    let input: Record<string, unknown> | undefined;
    if (meta.edit) {
      // The form is drawn again from the approval: its input does not change while it is pending.
      form = editFormFor(ctx.deps, await getApproval(ctx.deps, meta.id));
      const read = form && readEditedInput(form, editValues(form, values));
      if (read && !read.ok) return errors(mapKeys(read.errors, editBlockId));
      input = read?.input;
    }
    await decide(ctx.deps, {
      approvalId: meta.id,
      decision: meta.decision,
      rationale: values[RATIONALE_BLOCK]?.[RATIONALE_INPUT]?.value ?? "",
      actor,
      via: "slack",
      ...(input !== undefined && { input }),
    });
    return undefined;
  } catch (err) {
    // An input the Tool's schema refuses is shown at the field it names; everything else at the rationale.
    const field = form && isCodedError(err) ? formFieldOf(form, err.details.field) : undefined;
    return errors({ [field ? editBlockId(field) : RATIONALE_BLOCK]: errorText(err, ctx.logger) });
  }
}

function errors(byBlock: Record<string, string>): ModalAck {
  return { response_action: "errors", errors: byBlock };
}

function mapKeys(record: Record<string, string>, key: (k: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [key(k), v]));
}
