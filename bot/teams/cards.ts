// The approval card as Teams shows it (with the inputs for approving with edits, where the rule allows),
// and the envelopes Teams carries Adaptive Cards in: a message activity with the card as its attachment,
// and the Universal Actions invoke response that replaces the card for the person who pressed a button.

import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  type AdaptiveCard,
  approvalCard,
  type CardNotice,
} from "../../blocks/adaptive.ts";
import { editInputs } from "../../blocks/adaptive-edit.ts";
import { type FormValues, withValues } from "../../blocks/edit-form.ts";
import { cardBytes, TEAMS_LIMITS } from "../../blocks/limits.ts";
import { approvalFacts } from "../../blocks/view.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Approval } from "../../sdk/types.ts";
import { editFormFor } from "../edits.ts";

export interface TeamsCardOptions {
  notice?: CardNotice | undefined;
  /** The rationale typed, kept when the card comes back with an error. */
  rationale?: string | undefined;
  /** The edit inputs as typed, likewise. */
  typed?: FormValues | undefined;
}

export function teamsApprovalCard(
  ctx: { deps: HandlerDeps; publicUrl: string },
  approval: Approval,
  opts: TeamsCardOptions = {},
): AdaptiveCard {
  const form = editFormFor(ctx.deps, approval);
  const shown = form && opts.typed ? withValues(form, opts.typed) : form;
  return approvalCard(approvalFacts(approval, ctx.publicUrl), {
    notice: opts.notice,
    rationale: opts.rationale,
    editInputs: shown && editInputs(shown),
  });
}

export interface CardMessage {
  type: "message";
  /** What notifications and the chat list show for a message that is only a card. */
  summary: string;
  attachments: { contentType: string; content: AdaptiveCard }[];
}

export function cardMessage(card: AdaptiveCard): CardMessage {
  const message: CardMessage = {
    type: "message",
    summary: card.fallbackText,
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }],
  };
  const bytes = cardBytes(message);
  if (bytes > TEAMS_LIMITS.messageBytes) {
    throw new Error(`Teams message is ${bytes} bytes; Teams refuses over ${TEAMS_LIMITS.messageBytes}`);
  }
  return message;
}

/** The body of an `adaptiveCard/action` invoke response that shows `card` in place of the clicked one. */
export function cardInvokeResponse(card: AdaptiveCard) {
  return {
    status: 200,
    body: { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card },
  };
}
