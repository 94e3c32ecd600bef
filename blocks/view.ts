import type { Approval, Decision, SlaState } from "../sdk/types.ts";
// One neutral view of an approval, rendered per platform (Slack blocks, plain text, and later Teams and
// email): the facts a person needs to decide, already worded, with no platform markup.

/** How much of the input a card shows; the full record is a link away. */
export const INPUT_PREVIEW_MAX = 1200;

export interface ApprovalFacts {
  id: string;
  pending: boolean;
  agent: string;
  /** The tool or, for an SDK approval, the action. */
  action: string;
  risk: string;
  inputPreview: string;
  inputTruncated: boolean;
  recordUrl: string;
  policy: string;
  requestedAt: string;
  expiresAt: string;
  sla: SlaState;
  slaLabel: string;
  approvers: string;
  rationaleRequired: boolean;
  /** Once decided: "Approved by ana@example.com at … — rationale". */
  outcome: string | null;
  /** approved / rejected / expired / pending, with override marked: a one-word state for titles. */
  state: string;
}

export const SLA_LABELS: Record<SlaState, string> = {
  on_track: "on track",
  at_risk: "at risk",
  breached: "SLA breached",
  expired: "expired",
};

/** 2026-05-01 14:03 UTC: one unambiguous form for every surface. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function recordUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/v1/approvals/${encodeURIComponent(id)}`;
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

export function outcomeLine(d: Decision): string {
  if (d.kind === "timeout") return `Expired — denied: ${d.rationale}`;
  if (d.kind === "override") {
    const verb = d.decision === "approve" ? "approved" : "rejected";
    return `Overridden by ${d.decidedBy} under ${d.grantBy}: ${d.rationale} (${verb} at ${formatTime(d.decidedAt)})`;
  }
  const verb = d.decision === "approve" ? "Approved" : "Rejected";
  const why = d.rationale ? ` — ${d.rationale}` : "";
  return `${verb} by ${d.decidedBy} at ${formatTime(d.decidedAt)}${why}`;
}

function stateWord(a: Approval): string {
  const d = a.decision;
  if (!d) return a.status;
  if (d.kind === "timeout") return "expired";
  const verb = d.decision === "approve" ? "approved" : "rejected";
  return d.kind === "override" ? `${verb} (override)` : verb;
}

export function approvalFacts(a: Approval, publicUrl: string): ApprovalFacts {
  const preview = previewInput(a.input);
  return {
    id: a.id,
    pending: a.status === "pending",
    agent: a.agent,
    action: a.tool ?? a.action,
    risk: a.risk ?? "unspecified",
    inputPreview: preview.text,
    inputTruncated: preview.truncated,
    recordUrl: recordUrl(publicUrl, a.id),
    policy: a.policy ? `${a.policy}${a.rule !== null ? ` (rule ${a.rule})` : ""}` : "—",
    requestedAt: formatTime(a.createdAt),
    expiresAt: formatTime(a.expiresAt),
    sla: a.sla,
    slaLabel: SLA_LABELS[a.sla],
    approvers: a.approverRefs.join(", ") || a.approvers.join(", "),
    rationaleRequired: a.rationaleRequired,
    outcome: a.decision ? outcomeLine(a.decision) : null,
    state: stateWord(a),
  };
}
