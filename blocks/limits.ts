// The platforms' size limits, as constants the renderers enforce: Slack's (text is cut to fit, lists are
// paged to fit, and what cannot be cut, a modal's private_metadata, is checked before it is sent) and
// Teams' (a card's bytes). How long a rationale may be is the domain's rule, RATIONALE_MAX in model/.

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  buttonText: 75,
  buttonValue: 2000,
  headerText: 150,
  contextElements: 10,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  /** The top-level `text` of a message: Slack truncates past 40,000; notifications stay far shorter. */
  messageText: 3000,
} as const;

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(max - 1, 0))}…`;
}

/** Throws when a rendered list of blocks is over a surface's limit: a renderer bug, never user input. */
export function assertBlockCount(blocks: readonly unknown[], max: number, what: string): void {
  if (blocks.length > max) throw new Error(`${what} has ${blocks.length} blocks; Slack allows ${max}`);
}

// Teams: a bot message (the activity with its card) is refused past about 28 KB; the card gets what the
// activity envelope leaves. Texts are cut well below that, so only a renderer bug can reach the limit.
export const TEAMS_LIMITS = {
  messageBytes: 28_000,
  /** The card's share of a message: the envelope (ids, conversation, summary) stays under 2 KB. */
  cardBytes: 26_000,
  /** Any one TextBlock or fact value built from agent or user text. */
  text: 2000,
  factValue: 500,
  actionTitle: 40,
  /** Rows of an `approvals ls` / history card: each row is a few hundred bytes. */
  queueRows: 15,
  /** The inputs for approving with edits: what the rest of the approval card leaves room for. */
  editBytes: 12_000,
} as const;

/** UTF-8 bytes of a card (or the message carrying it) as it goes over the wire. */
export function cardBytes(card: unknown): number {
  return new TextEncoder().encode(JSON.stringify(card)).length;
}

/** Throws when a rendered card is over Teams' budget: a renderer bug, never user input. */
export function assertCardBytes(card: unknown, what: string): void {
  const bytes = cardBytes(card);
  if (bytes > TEAMS_LIMITS.cardBytes) {
    throw new Error(`${what} is ${bytes} bytes; Teams cards must stay under ${TEAMS_LIMITS.cardBytes}`);
  }
}
