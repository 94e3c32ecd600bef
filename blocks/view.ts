// One neutral view of an approval: the facts a person needs to decide, already worded, with no platform
// markup. Block Kit (slack.ts), Adaptive Cards (adaptive.ts), email and its pages (email.ts) and plain
// text (text.ts) all render this same view, so every surface shows the same facts in the same words.
import type { Approval, SlaState } from "../sdk/types.ts";
import { outcomeLine, pastTense, quorumProgress } from "./decision.ts";
import { diffLines } from "./diff.ts";
import { capitalise, formatTime } from "./words.ts";

/** How much of the input a card shows; the full record (the console page) is a link away. */
export const INPUT_PREVIEW_MAX = 1200;

export interface ApprovalFacts {
  id: string;
  pending: boolean;
  agent: string;
  /** The tool or, for an SDK approval, the action. */
  action: string;
  risk: string;
  /** What the preview shows: a tool call's input, or the context of an approval the agent asked for. */
  previewLabel: "Input" | "Context";
  inputPreview: string;
  inputTruncated: boolean;
  recordUrl: string;
  policy: string;
  requestedAt: string;
  expiresAt: string;
  sla: SlaState;
  slaLabel: string;
  approvers: string;
  /** The person the agent acts for, who cannot approve it; null when the agent named nobody. */
  requestedBy: string | null;
  /** Where a quorum stands ("1 of 2 approvals: ana@example.com"); null when one approver decides. */
  quorum: string | null;
  /** What the approver changed in the input, a line per field; empty when nothing was edited. */
  changes: string[];
  rationaleRequired: boolean;
  /** The approver may approve with a changed input. */
  editsAllowed: boolean;
  /** Once decided: "Approved by ana@example.com at … — rationale". */
  outcome: string | null;
  /** approved / rejected / expired / pending, with override marked: a one-word state for titles. */
  state: string;
  /** "Approval needed: refund.issue" while pending; "Approved: refund.issue" once decided. */
  title: string;
}

/** What a queue listing is narrowed to (`approvals ls --agent A --tool T`). */
export interface QueueFilter {
  agent?: string | undefined;
  tool?: string | undefined;
}

/** One command of `approvals …`, for its help text (the lines are bot/commands/usage.ts). */
export interface UsageLine {
  /** What follows the command name: "decide ID approve|reject RATIONALE". */
  words: string;
  what: string;
}

/** "agent support-bot, tool refund.issue"; empty when nothing narrows the queue. */
export function filterWords(filter: QueueFilter): string {
  return [filter.agent && `agent ${filter.agent}`, filter.tool && `tool ${filter.tool}`]
    .filter(Boolean)
    .join(", ");
}

export const SLA_LABELS: Record<SlaState, string> = {
  on_track: "on track",
  at_risk: "at risk",
  breached: "SLA breached",
  expired: "expired",
};

export function recordUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/console/approvals/${encodeURIComponent(id)}`;
}

export function previewInput(input: unknown, max = INPUT_PREVIEW_MAX): { text: string; truncated: boolean } {
  let text: string;
  try {
    text = JSON.stringify(input ?? {}, null, 2) ?? "null";
  } catch {
    text = String(input);
  }
  if (text.length <= max) return { text, truncated: false };
  return {
    text: `${text.slice(0, max)}\n… (${text.length.toLocaleString("en")} characters in all; open the full record)`,
    truncated: true,
  };
}

/**
 * What an approver needs to see to decide: the input a tool call would run with, or — for an approval the
 * agent asked for itself (POST /v1/approvals, the SDK's create: no tool, input {}) — the context it sent.
 */
export function previewed(a: Approval): { label: "Input" | "Context"; value: unknown } {
  return a.tool === null ? { label: "Context", value: a.context } : { label: "Input", value: a.input };
}

function stateWord(a: Approval): string {
  const d = a.decision;
  if (!d) return a.status;
  if (d.kind === "timeout") return "expired";
  return d.kind === "override" ? `${pastTense(d.decision)} (override)` : pastTense(d.decision);
}

export function approvalFacts(a: Approval, publicUrl: string): ApprovalFacts {
  const shown = previewed(a);
  const preview = previewInput(shown.value);
  const action = a.tool ?? a.action;
  const state = stateWord(a);
  return {
    id: a.id,
    pending: a.status === "pending",
    agent: a.agent,
    action,
    risk: a.risk ?? "unspecified",
    previewLabel: shown.label,
    inputPreview: preview.text,
    inputTruncated: preview.truncated,
    recordUrl: recordUrl(publicUrl, a.id),
    policy: a.policy ? `${a.policy}${a.rule !== null ? ` (rule ${a.rule})` : ""}` : "—",
    requestedAt: formatTime(a.createdAt),
    expiresAt: formatTime(a.expiresAt),
    sla: a.sla,
    slaLabel: SLA_LABELS[a.sla],
    approvers: a.approverRefs.join(", ") || a.approvers.join(", "),
    requestedBy: a.requestedBy,
    quorum: a.requiredApprovals > 1 ? quorumProgress(a.approvals, a.requiredApprovals) : null,
    changes: a.originalInput === null ? [] : diffLines(a.originalInput, a.input),
    rationaleRequired: a.rationaleRequired,
    editsAllowed: a.editsAllowed && a.status === "pending",
    outcome: a.decision ? outcomeLine(a.decision) : null,
    state,
    title: a.status === "pending" ? `Approval needed: ${action}` : `${capitalise(state)}: ${action}`,
  };
}
