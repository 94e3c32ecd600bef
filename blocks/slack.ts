// Block Kit renderings of the neutral views: the approval card (buttons while pending, the outcome once
// decided), the rationale modals, the /approvals pages, escalations, reminders and the override notice. Every
// text is escaped for mrkdwn and cut to Slack's limits; lists are paged to fit a message.
import { RATIONALE_MAX } from "../model/routing.ts";
import type { BulkDecideResult, BulkOutcome } from "../sdk/types.ts";
import { assertBlockCount, clip, SLACK_LIMITS as L } from "./limits.ts";
import {
  type EscalationLevelWords,
  escalationDetail,
  escalationLead,
  escalationTitle,
  reminderLead,
} from "./nudges.ts";
import { approvalSummary } from "./text.ts";
import { type ApprovalFacts, filterWords, type QueueFilter, type UsageLine } from "./view.ts";

export type Block = Record<string, unknown>;
export interface SlackMessage {
  text: string;
  blocks: Block[];
}
export interface ModalView {
  type: "modal";
  callback_id: string;
  title: { type: "plain_text"; text: string };
  submit?: { type: "plain_text"; text: string };
  close?: { type: "plain_text"; text: string };
  private_metadata?: string;
  blocks: Block[];
}

/** The ids listeners match on; one place so renderers and listeners cannot drift apart. */
export const ACTION = {
  approve: "countersign.approve",
  reject: "countersign.reject",
  select: "countersign.select",
  approveSelected: "countersign.approve_selected",
  rejectSelected: "countersign.reject_selected",
  nextPage: "countersign.next_page",
  openRecord: "countersign.open_record",
} as const;
export const VIEW = { decide: "countersign.decide", bulkDecide: "countersign.bulk_decide" } as const;
export const RATIONALE_BLOCK = "rationale";
export const RATIONALE_INPUT = "rationale";
/** Rows per /approvals page: two blocks a row plus five around them stays under 50 blocks. */
export const QUEUE_PAGE_SIZE = 20;

const BADGES: Record<ApprovalFacts["sla"], string> = {
  on_track: ":large_green_circle:",
  at_risk: ":large_yellow_circle:",
  breached: ":red_circle:",
  expired: ":black_circle:",
};

/** Slack mrkdwn treats &, < and > as control characters; anything from users or agents is escaped. */
export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A message's `text`: the fallback notifications and block-less clients show, read as mrkdwn like a
 * section, so agent text in it is escaped too (an action holding <!channel> must not ping a channel).
 */
const fallback = (text: string) => clip(esc(text), L.messageText);

export const plain = (text: string, max: number) => ({
  type: "plain_text",
  text: clip(text, max),
  emoji: true,
});
const mrkdwn = (text: string, max: number = L.sectionText) => ({ type: "mrkdwn", text: clip(text, max) });
const section = (text: string, extra: Block = {}): Block => ({
  type: "section",
  text: mrkdwn(text),
  ...extra,
});
const header = (text: string): Block => ({ type: "header", text: plain(text, L.headerText) });
const context = (text: string): Block => ({ type: "context", elements: [mrkdwn(text)] });
const button = (text: string, actionId: string, value: string, style?: "primary" | "danger"): Block => ({
  type: "button",
  text: plain(text, L.buttonText),
  action_id: actionId,
  value: clip(value, L.buttonValue),
  ...(style ? { style } : {}),
});
const linkButton = (text: string, url: string): Block => ({
  type: "button",
  text: plain(text, L.buttonText),
  action_id: ACTION.openRecord,
  url,
});

export function badge(f: ApprovalFacts): string {
  return `${BADGES[f.sla]} ${f.slaLabel}`;
}

/** A code block that cannot be closed early by backticks in the input. */
function codeBlock(text: string, max: number): string {
  const body = esc(text).replace(/```/g, "`\u200b``");
  return `\`\`\`${clip(body, max - 6)}\`\`\``;
}

function factFields(f: ApprovalFacts): Block {
  const field = (label: string, value: string) => mrkdwn(`*${label}*\n${esc(value)}`, L.sectionField);
  return {
    type: "section",
    block_id: "facts",
    fields: [
      field("Agent", f.agent),
      field("Tool", f.action),
      field("Risk", f.risk),
      field("Policy", f.policy),
      field("Requested", f.requestedAt),
      field("Expires", f.expiresAt),
      mrkdwn(`*SLA*\n${badge(f)}`, L.sectionField),
      field("Approvers", f.approvers),
      ...(f.requestedBy ? [field("Requested by", f.requestedBy)] : []),
    ].slice(0, L.sectionFields),
  };
}

function cardBody(f: ApprovalFacts): Block[] {
  const blocks: Block[] = [
    header(f.title),
    factFields(f),
    section(
      `*${f.previewLabel}*${f.inputTruncated ? " (truncated)" : ""}\n${codeBlock(f.inputPreview, L.sectionText - 20)}`,
      {
        block_id: "input",
      },
    ),
  ];
  if (f.changes.length > 0) {
    const lines = codeBlock(f.changes.join("\n"), L.sectionText - 40);
    blocks.push(section(`*Changed by the approver*\n${lines}`, { block_id: "changes" }));
  }
  if (f.quorum) blocks.push(section(`*Approvals:* ${esc(f.quorum)}`, { block_id: "quorum" }));
  if (f.outcome) blocks.push(section(`*${esc(f.outcome)}*`, { block_id: "outcome" }));
  blocks.push({
    type: "context",
    block_id: "record",
    elements: [mrkdwn(`\`${esc(f.id)}\` · <${f.recordUrl}|full record>`)],
  });
  return blocks;
}

/** The card posted to each routed channel: Approve/Reject while pending, the outcome and no buttons after. */
export function approvalCard(f: ApprovalFacts): SlackMessage {
  const blocks = cardBody(f);
  if (f.pending) {
    blocks.push({
      type: "actions",
      block_id: "decide",
      elements: [
        button("Approve", ACTION.approve, f.id, "primary"),
        button("Reject", ACTION.reject, f.id, "danger"),
        linkButton("Full record", f.recordUrl),
      ],
    });
  }
  assertBlockCount(blocks, L.blocksPerMessage, "approval card");
  return { text: fallback(approvalSummary(f)), blocks };
}

function modalTitle(text: string) {
  return { type: "plain_text" as const, text: clip(text, L.modalTitle) };
}

function checkMetadata(metadata: string): string {
  if (metadata.length > L.privateMetadata) {
    throw new Error(`private_metadata is ${metadata.length} characters; Slack allows ${L.privateMetadata}`);
  }
  return metadata;
}

function rationaleInput(optional: boolean, hint: string): Block {
  return {
    type: "input",
    block_id: RATIONALE_BLOCK,
    optional,
    label: plain(optional ? "Rationale (optional)" : "Rationale", L.inputLabel),
    hint: plain(hint, L.inputLabel),
    element: {
      type: "plain_text_input",
      action_id: RATIONALE_INPUT,
      multiline: true,
      max_length: RATIONALE_MAX,
    },
  };
}

export interface DecideMetadata {
  id: string;
  decision: "approve" | "reject";
  /** The modal carries the input to edit (blocks/slack-edit.ts): read it back on submit. */
  edit?: true;
}

/**
 * The rationale modal a click on Approve or Reject opens; `edit` (slack-edit.ts) shows the input to edit,
 * for an approval whose rule allows approving with edits.
 */
export function decideModal(
  f: ApprovalFacts,
  decision: "approve" | "reject",
  edit?: { blocks: Block[]; editable: boolean },
): ModalView {
  const verb = decision === "approve" ? "Approve" : "Reject";
  const metadata: DecideMetadata = { id: f.id, decision, ...(edit?.editable && { edit: true }) };
  const lead =
    `*${verb}* \`${esc(f.id)}\`: *${esc(f.agent)}* wants to run *${esc(f.action)}* (${esc(f.risk)}).\n` +
    `${badge(f)} · expires ${esc(f.expiresAt)}` +
    (f.requestedBy ? `\nAsked for by ${esc(f.requestedBy)}.` : "") +
    (f.quorum ? `\nApprovals so far: ${esc(f.quorum)}.` : "");
  const blocks: Block[] = [
    section(lead),
    // An editable input replaces the preview; a note that it cannot be edited here comes after it.
    ...(edit?.editable
      ? edit.blocks
      : [
          section(`*${f.previewLabel}*\n${codeBlock(f.inputPreview, L.sectionText - 20)}`),
          ...(edit?.blocks ?? []),
        ]),
    rationaleInput(
      !f.rationaleRequired,
      "Recorded with the decision in the audit log and shown on every card.",
    ),
  ];
  assertBlockCount(blocks, L.blocksPerModal, "decide modal");
  return {
    type: "modal",
    callback_id: VIEW.decide,
    title: modalTitle(`${verb} request`),
    submit: modalTitle(verb),
    close: modalTitle("Cancel"),
    private_metadata: checkMetadata(JSON.stringify(metadata)),
    blocks,
  };
}

export interface BulkMetadata {
  ids: string[];
  decision: "approve" | "reject";
}

/** One shared rationale for the approvals ticked in /approvals. */
export function bulkDecideModal(ids: string[], decision: "approve" | "reject"): ModalView {
  const verb = decision === "approve" ? "Approve" : "Reject";
  const metadata: BulkMetadata = { ids, decision };
  const list = ids.map((id) => `• \`${esc(id)}\``).join("\n");
  return {
    type: "modal",
    callback_id: VIEW.bulkDecide,
    title: modalTitle(`${verb} ${ids.length} selected`),
    submit: modalTitle(`${verb} all`),
    close: modalTitle("Cancel"),
    private_metadata: checkMetadata(JSON.stringify(metadata)),
    blocks: [
      section(clip(`*${verb}* these ${ids.length} approvals with one rationale:\n${list}`, L.sectionText)),
      rationaleInput(false, "Recorded with each decision in the audit log."),
    ],
  };
}

const OUTCOME_WORDS: Record<BulkOutcome, string> = {
  decided: ":white_check_mark: decided",
  counted: ":ballot_box_with_check: approval counted",
  already_decided: ":information_source: already decided",
  already_approved_by_you: ":information_source: already approved by you",
  not_an_approver: ":no_entry: not your approval",
  self_approval: ":no_entry: you asked for it",
  not_found: ":grey_question: not found",
  rationale_required: ":warning: rationale required",
};

/** What a bulk decision did to each approval, shown in place of the bulk modal. */
export function bulkResultModal(results: BulkDecideResult["results"]): ModalView {
  const decided = results.filter((r) => r.outcome === "decided").length;
  const lines = results.map(
    (r) => `• \`${esc(r.id)}\` ${OUTCOME_WORDS[r.outcome]}${r.message ? ` — ${esc(r.message)}` : ""}`,
  );
  return {
    type: "modal",
    callback_id: "countersign.bulk_result",
    title: modalTitle("Bulk decision"),
    close: modalTitle("Done"),
    blocks: [
      section(`*${decided} of ${results.length} decided.*`),
      section(clip(lines.join("\n"), L.sectionText)),
    ],
  };
}

function queueRow(f: ApprovalFacts, index: number, withButtons: boolean): Block[] {
  const line =
    `*<${f.recordUrl}|${esc(f.action)}>* for *${esc(f.agent)}* · ${esc(f.risk)} · ${badge(f)}\n` +
    `\`${esc(f.id)}\` · expires ${esc(f.expiresAt)}` +
    (f.outcome ? `\n${esc(f.outcome)}` : "");
  if (!withButtons) return [section(line, { block_id: `row:${index}` })];
  return [
    section(line, {
      block_id: `row:${index}`,
      accessory: {
        type: "checkboxes",
        action_id: ACTION.select,
        options: [{ text: plain("select", L.buttonText), value: f.id }],
      },
    }),
    {
      type: "actions",
      block_id: `act:${index}`,
      elements: [
        button("Approve", ACTION.approve, f.id, "primary"),
        button("Reject", ACTION.reject, f.id, "danger"),
      ],
    },
  ];
}

/** A page of the queue the user may decide, most urgent first; one page always fits a message. */
export function queueMessage(
  items: ApprovalFacts[],
  opts: { filter: QueueFilter; nextCursor: string | null },
): SlackMessage {
  const page = items.slice(0, QUEUE_PAGE_SIZE);
  const filters = filterWords(opts.filter);
  const blocks: Block[] = [
    header(`Waiting for you: ${page.length}${opts.nextCursor ? "+" : ""}`),
    context(`Most urgent first${filters ? ` · ${esc(filters)}` : ""} · tick rows to decide several at once`),
  ];
  if (page.length === 0) blocks.push(section("Nothing is waiting for your decision. :tada:"));
  page.forEach((f, i) => {
    blocks.push(...queueRow(f, i, true));
  });
  const footer: Block[] = [];
  if (page.length > 0) {
    footer.push(button("Approve selected", ACTION.approveSelected, "approve", "primary"));
    footer.push(button("Reject selected", ACTION.rejectSelected, "reject", "danger"));
  }
  if (opts.nextCursor) {
    const value = JSON.stringify({ c: opts.nextCursor, a: opts.filter.agent, t: opts.filter.tool });
    footer.push(button("Next page", ACTION.nextPage, value));
  }
  if (footer.length > 0)
    blocks.push({ type: "divider" }, { type: "actions", block_id: "queue", elements: footer });
  assertBlockCount(blocks, L.blocksPerMessage, "queue page");
  const text =
    page.length === 0 ? "Nothing is waiting for your decision." : `${page.length} approvals wait for you`;
  return { text: fallback(text), blocks };
}

/** Recently decided approvals routed to the user. */
export function historyMessage(items: ApprovalFacts[]): SlackMessage {
  const page = items.slice(0, QUEUE_PAGE_SIZE);
  const blocks: Block[] = [header("Recently decided")];
  if (page.length === 0) blocks.push(section("No decided approvals routed to you yet."));
  page.forEach((f, i) => {
    blocks.push(...queueRow(f, i, false));
  });
  assertBlockCount(blocks, L.blocksPerMessage, "history page");
  return { text: fallback(`${page.length} recently decided approvals`), blocks };
}

/** `/approvals describe ID`: the card itself, with buttons while pending. */
export function describeMessage(f: ApprovalFacts): SlackMessage {
  return approvalCard(f);
}

function usageText(usage: readonly UsageLine[]): string {
  const lines = usage.map((u) => `• \`/approvals ${u.words}\` — ${u.what}`);
  return ["*/approvals* — the approvals queue", ...lines].join("\n");
}

/** A short ephemeral reply: a result, an error, or (with `usage`) the usage after it. */
export function replyMessage(text: string, usage?: readonly UsageLine[]): SlackMessage {
  const blocks: Block[] = [section(esc(text))];
  if (usage) blocks.push(section(usageText(usage)));
  return { text: fallback(text), blocks };
}

export function helpMessage(usage: readonly UsageLine[]): SlackMessage {
  return { text: "Usage of /approvals", blocks: [section(usageText(usage))] };
}

/** Where the card was posted, as Slack links (archive permalinks). */
export interface CardLink {
  channel: string;
  url: string;
}

function linksLine(links: CardLink[], f: ApprovalFacts): string {
  const cards = links.map((l) => `<${l.url}|card in ${esc(l.channel)}>`);
  return [...cards, `<${f.recordUrl}|full record>`].join(" · ");
}

/** Posted when an escalation level fires: a new message, pointing at the original card. */
export function escalationMessage(
  f: ApprovalFacts,
  opts: { links: CardLink[]; escalateTo: string[]; at: EscalationLevelWords },
): SlackMessage {
  const blocks: Block[] = [
    section(`:rotating_light: ${esc(escalationLead(f, opts.at))}`),
    section(esc(escalationDetail(f, opts.escalateTo))),
    context(`\`${esc(f.id)}\` · ${linksLine(opts.links, f)}`),
  ];
  return { text: fallback(`${escalationTitle(opts.at, f)}: ${approvalSummary(f)}`), blocks };
}

/** A reminder to someone who has not acted: the card again (buttons and all), led by the reminder. */
export function reminderMessage(f: ApprovalFacts, awaited: readonly string[]): SlackMessage {
  const card = approvalCard(f);
  const blocks = [section(`:alarm_clock: ${esc(reminderLead(f, awaited))}`), ...card.blocks];
  assertBlockCount(blocks, L.blocksPerMessage, "reminder");
  return { text: fallback(`Reminder: ${approvalSummary(f)}`), blocks };
}

/** Told to a Role's notify channels after every override made under it. */
export function overrideNoticeMessage(f: ApprovalFacts, links: CardLink[]): SlackMessage {
  const lead = `:rotating_light: *Override* of \`${esc(f.id)}\` (*${esc(f.action)}* for *${esc(f.agent)}*)`;
  const blocks: Block[] = [
    section(lead),
    section(`*${esc(f.outcome ?? "pending")}*`),
    context(linksLine(links, f)),
  ];
  return { text: fallback(`Override: ${f.id} — ${f.outcome ?? ""}`), blocks };
}
