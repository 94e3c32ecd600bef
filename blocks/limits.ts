// Slack's size limits, as constants the renderers enforce: text is cut to fit, lists are paged to fit,
// and what cannot be cut (a modal's private_metadata) is checked before it is sent.

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
