// The envelopes Teams carries Adaptive Cards in: a message activity with the card as its attachment, and
// the Universal Actions invoke response that replaces the card for the person who pressed a button.
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard } from "../../blocks/adaptive.ts";
import { cardBytes, TEAMS_LIMITS } from "../../blocks/limits.ts";

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
