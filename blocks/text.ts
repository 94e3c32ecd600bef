// Plain-text renderings: the `text` fallback of chat notifications (screen readers, push notifications,
// clients without blocks) and the plain-text part of emails. (The terminal has its own renderer, cli/render/.)
import { clip, SLACK_LIMITS } from "./limits.ts";
import type { ApprovalFacts } from "./view.ts";

/** One line for notifications: what is asked, or how it ended. */
export function approvalSummary(f: ApprovalFacts): string {
  const head = `${f.agent} wants to run ${f.action} (${f.risk})`;
  return clip(
    f.outcome ? `${head} — ${f.outcome}` : `Approval needed: ${head} — ${f.id}`,
    SLACK_LIMITS.messageText,
  );
}

/** The whole card as text, for terminals and plain-text mail. */
export function approvalText(f: ApprovalFacts): string {
  const lines = [
    `${f.pending ? "Approval needed" : f.state}: ${f.action} for ${f.agent}`,
    `  id:        ${f.id}`,
    `  risk:      ${f.risk}`,
    `  policy:    ${f.policy}`,
    `  requested: ${f.requestedAt}`,
    `  expires:   ${f.expiresAt}`,
    `  sla:       ${f.slaLabel}`,
    `  approvers: ${f.approvers}`,
    ...(f.requestedBy ? [`  asked by:  ${f.requestedBy}`] : []),
    ...(f.quorum ? [`  approvals: ${f.quorum}`] : []),
    `  ${f.previewLabel.toLowerCase()}:`,
    ...f.inputPreview.split("\n").map((l) => `    ${l}`),
    ...(f.changes.length > 0 ? ["  changed by the approver:", ...f.changes.map((l) => `    ${l}`)] : []),
    `  record:    ${f.recordUrl}`,
  ];
  if (f.outcome) lines.push(`  outcome:   ${f.outcome}`);
  return lines.join("\n");
}
