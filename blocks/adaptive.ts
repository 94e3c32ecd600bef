// Adaptive Card 1.5 renderings of the neutral views, for Teams: the approval card (the rationale input and
// Action.Execute Approve/Reject while pending, the outcome and nothing to press once decided), the
// escalation and the override notice, and the cards the `approvals …` command answers with. Texts from
// agents and people are cut to TEAMS_LIMITS and every card is checked against Teams' message size.
import { RATIONALE_MAX } from "../model/routing.ts";
import { assertCardBytes, clip, TEAMS_LIMITS as L } from "./limits.ts";
import { type EscalationLevelWords, escalationDetail, escalationLead, escalationTitle } from "./nudges.ts";
import { approvalSummary } from "./text.ts";
import { type ApprovalFacts, filterWords, type QueueFilter, type UsageLine } from "./view.ts";

export type CardElement = Record<string, unknown>;

export interface AdaptiveCard {
  type: "AdaptiveCard";
  version: "1.5";
  $schema: string;
  body: CardElement[];
  actions?: CardElement[];
  /** Shown by clients that cannot render the card, and read by screen readers. */
  fallbackText: string;
}

export const ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive";
const SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json";

/** The verbs the Teams handler matches on; one place so renderers and handlers cannot drift apart. */
export const VERB = {
  approve: "approve",
  reject: "reject",
  /** Opens one approval from a queue card (answers with its card). */
  describe: "describe",
  /** The next page of the queue. */
  page: "page",
} as const;
/** The id of the rationale Input.Text; Teams merges its value into the action's data under this name. */
export const RATIONALE_INPUT = "rationale";

/** A line above the card for the person who acted: why nothing happened, or what stands. */
export interface CardNotice {
  tone: "error" | "info";
  text: string;
}

const BADGES: Record<ApprovalFacts["sla"], { icon: string; color: string }> = {
  on_track: { icon: "🟢", color: "good" },
  at_risk: { icon: "🟡", color: "warning" },
  breached: { icon: "🔴", color: "attention" },
  expired: { icon: "⚫", color: "default" },
};

/**
 * Teams renders a subset of markdown in TextBlocks and facts. Agent input and names are not ours, so a
 * `[text](url)` in them must not become a link that looks like Countersign's own.
 */
export function plain(text: string, max: number = L.text): string {
  return clip(text, max).replace(/\]\(/g, "]\u200b(");
}

const textBlock = (text: string, extra: CardElement = {}): CardElement => ({
  type: "TextBlock",
  text,
  wrap: true,
  ...extra,
});

const execute = (title: string, verb: string, data: Record<string, unknown>, style?: string) => ({
  type: "Action.Execute",
  title: clip(title, L.actionTitle),
  verb,
  data,
  ...(style ? { style } : {}),
});

const openUrl = (title: string, url: string) => ({ type: "Action.OpenUrl", title, url });

export function badge(f: ApprovalFacts): string {
  return `${BADGES[f.sla].icon} ${f.slaLabel}`;
}

function card(body: CardElement[], fallbackText: string, actions?: CardElement[]): AdaptiveCard {
  return {
    type: "AdaptiveCard",
    version: "1.5",
    $schema: SCHEMA_URL,
    body,
    ...(actions && actions.length > 0 ? { actions } : {}),
    fallbackText: clip(fallbackText, L.text),
  };
}

function checked(c: AdaptiveCard, what: string): AdaptiveCard {
  assertCardBytes(c, what);
  return c;
}

function noticeBlock(n: CardNotice): CardElement {
  return {
    type: "Container",
    style: n.tone === "error" ? "attention" : "emphasis",
    items: [textBlock(plain(`${n.tone === "error" ? "⛔" : "ℹ️"} ${n.text}`), { weight: "Bolder" })],
  };
}

function facts(f: ApprovalFacts): CardElement {
  const fact = (title: string, value: string) => ({ title, value: plain(value, L.factValue) });
  return {
    type: "FactSet",
    facts: [
      fact("Agent", f.agent),
      fact("Tool", f.action),
      fact("Risk", f.risk),
      fact("Policy", f.policy),
      fact("Requested", f.requestedAt),
      fact("SLA", badge(f)),
      fact("Expires", f.expiresAt),
      fact("Approvers", f.approvers),
      ...(f.requestedBy ? [fact("Requested by", f.requestedBy)] : []),
      ...(f.quorum ? [fact("Approvals", f.quorum)] : []),
    ],
  };
}

/** What the approver changed, a line per field. */
function changesBlocks(f: ApprovalFacts): CardElement[] {
  if (f.changes.length === 0) return [];
  return [
    textBlock("Changed by the approver", { weight: "Bolder", spacing: "Medium" }),
    textBlock(plain(f.changes.join("\n")), { fontType: "Monospace", size: "Small" }),
  ];
}

function outcomeBlock(f: ApprovalFacts): CardElement {
  const approved = f.state.startsWith("approved");
  return {
    type: "Container",
    style: approved ? "good" : "attention",
    items: [textBlock(plain(f.outcome ?? ""), { weight: "Bolder" })],
  };
}

export interface ApprovalCardOptions {
  /** An error or a standing outcome, told to the person who pressed a button. */
  notice?: CardNotice | undefined;
  /** What the person had typed, kept when the card comes back with an error. */
  rationale?: string | undefined;
  /** Inputs for approving with edits (adaptive-edit.ts), shown while pending. */
  editInputs?: CardElement[] | undefined;
}

/** The card posted to each routed conversation; refreshed in place once decided. */
export function approvalCard(f: ApprovalFacts, opts: ApprovalCardOptions = {}): AdaptiveCard {
  const body: CardElement[] = [];
  if (opts.notice) body.push(noticeBlock(opts.notice));
  body.push(
    textBlock(plain(f.title, 200), { size: "Large", weight: "Bolder" }),
    facts(f),
    textBlock(`${f.previewLabel}${f.inputTruncated ? " (truncated)" : ""}`, {
      weight: "Bolder",
      spacing: "Medium",
    }),
    textBlock(plain(f.inputPreview), { fontType: "Monospace", size: "Small" }),
    ...changesBlocks(f),
  );
  const recordLine = textBlock(`${plain(f.id, 200)} · [Full record](${f.recordUrl})`, {
    isSubtle: true,
    size: "Small",
  });
  if (!f.pending) {
    body.push(outcomeBlock(f), recordLine);
    return checked(card(body, approvalSummary(f)), "approval card");
  }
  body.push(recordLine, {
    type: "Input.Text",
    id: RATIONALE_INPUT,
    label: f.rationaleRequired ? "Rationale" : "Rationale (optional)",
    placeholder: "Recorded with the decision in the audit log and shown on every card",
    isMultiline: true,
    maxLength: RATIONALE_MAX,
    isRequired: f.rationaleRequired,
    ...(f.rationaleRequired ? { errorMessage: "A rationale is required to decide." } : {}),
    ...(opts.rationale ? { value: clip(opts.rationale, RATIONALE_MAX) } : {}),
  });
  body.push(...(opts.editInputs ?? []));
  const data = { approvalId: f.id };
  const actions = [
    execute("Approve", VERB.approve, data, "positive"),
    execute("Reject", VERB.reject, data, "destructive"),
    openUrl("Full record", f.recordUrl),
  ];
  return checked(card(body, approvalSummary(f), actions), "approval card");
}

/** Posted when an escalation level fires: a new message naming who it is escalated to. */
export function escalationCard(
  f: ApprovalFacts,
  opts: { escalateTo: string[]; at: EscalationLevelWords },
): AdaptiveCard {
  const body = [
    noticeBlock({ tone: "error", text: escalationLead(f, opts.at) }),
    textBlock(plain(escalationDetail(f, opts.escalateTo))),
    textBlock(`${plain(f.id, 200)} · [Full record](${f.recordUrl})`, { isSubtle: true, size: "Small" }),
  ];
  const actions = [
    execute("Open the approval", VERB.describe, { approvalId: f.id }),
    openUrl("Full record", f.recordUrl),
  ];
  const fallback = `${escalationTitle(opts.at, f)}: ${approvalSummary(f)}`;
  return checked(card(body, fallback, actions), "escalation card");
}

/** Told to a Role's notify channels after every override made under it. */
export function overrideNoticeCard(f: ApprovalFacts): AdaptiveCard {
  const body = [
    textBlock(plain(`🚨 Override of ${f.id} (${f.action} for ${f.agent})`, 400), { weight: "Bolder" }),
    outcomeBlock(f),
    textBlock(`[Full record](${f.recordUrl})`, { isSubtle: true, size: "Small" }),
  ];
  return checked(card(body, `Override: ${f.id} — ${f.outcome ?? ""}`), "override notice");
}

function queueRow(f: ApprovalFacts, withOpen: boolean): CardElement {
  const items: CardElement[] = [
    textBlock(
      `**${plain(f.action, 200)}** for **${plain(f.agent, 200)}** · ${plain(f.risk, 100)} · ${badge(f)}`,
    ),
    textBlock(`${plain(f.id, 200)} · expires ${f.expiresAt}`, {
      isSubtle: true,
      size: "Small",
      spacing: "None",
    }),
  ];
  if (f.outcome) items.push(textBlock(plain(f.outcome, L.factValue), { size: "Small", spacing: "None" }));
  if (withOpen) {
    items.push({
      type: "ActionSet",
      actions: [execute("Open", VERB.describe, { approvalId: f.id }), openUrl("Full record", f.recordUrl)],
    });
  }
  return { type: "Container", separator: true, items };
}

/** `approvals ls`: a page of what the person may decide, most urgent first; Open shows one to decide. */
export function queueCard(
  items: ApprovalFacts[],
  opts: { filter: QueueFilter; nextCursor: string | null },
): AdaptiveCard {
  const page = items.slice(0, L.queueRows);
  const filters = filterWords(opts.filter);
  const body: CardElement[] = [
    textBlock(`Waiting for you: ${page.length}${opts.nextCursor ? "+" : ""}`, {
      size: "Large",
      weight: "Bolder",
    }),
    textBlock(plain(`Most urgent first${filters ? ` · ${filters}` : ""}`, 400), {
      isSubtle: true,
      spacing: "None",
    }),
  ];
  if (page.length === 0) body.push(textBlock("Nothing is waiting for your decision. 🎉"));
  for (const f of page) body.push(queueRow(f, true));
  const actions = opts.nextCursor
    ? [
        execute("Next page", VERB.page, {
          cursor: opts.nextCursor,
          agent: opts.filter.agent,
          tool: opts.filter.tool,
        }),
      ]
    : [];
  const text =
    page.length === 0 ? "Nothing is waiting for your decision." : `${page.length} approvals wait for you`;
  return checked(card(body, text, actions), "queue card");
}

/** `approvals history`: recently decided approvals routed to the person. */
export function historyCard(items: ApprovalFacts[]): AdaptiveCard {
  const page = items.slice(0, L.queueRows);
  const body: CardElement[] = [textBlock("Recently decided", { size: "Large", weight: "Bolder" })];
  if (page.length === 0) body.push(textBlock("No decided approvals routed to you yet."));
  for (const f of page) body.push(queueRow(f, false));
  return checked(card(body, `${page.length} recently decided approvals`), "history card");
}

function usageBlocks(usage: readonly UsageLine[]): CardElement[] {
  return [
    textBlock("**approvals** — the approvals queue (message the bot, or @mention it in a channel)"),
    ...usage.map((u) => textBlock(`\`approvals ${u.words}\` — ${u.what}`, { spacing: "Small" })),
  ];
}

export function helpCard(usage: readonly UsageLine[]): AdaptiveCard {
  return checked(card(usageBlocks(usage), "Usage of approvals"), "help card");
}

/** A short answer: a result, an error, or (with `usage`) the usage after it. */
export function replyCard(notice: CardNotice, usage?: readonly UsageLine[]): AdaptiveCard {
  const body = [noticeBlock(notice), ...(usage ? usageBlocks(usage) : [])];
  return checked(card(body, notice.text), "reply card");
}
