// How escalations and reminders lead, in the same words on every surface (Slack, Teams, email).
import type { ApprovalFacts } from "./view.ts";

/** Which escalation level a message is (1-based), of how many the approval has. */
export interface EscalationLevelWords {
  level: number;
  levels: number;
}

/**
 * "SLA breached: support-bot has waited since … for refund.issue (financial)." for a lone escalation at
 * the breach, as before levels existed; "Escalation 2 of 3 (SLA breached): …" when there are several.
 */
export function escalationLead(f: ApprovalFacts, at: EscalationLevelWords): string {
  const head =
    at.levels > 1
      ? `Escalation ${at.level} of ${at.levels} (${f.slaLabel})`
      : f.sla === "breached"
        ? "SLA breached"
        : `Escalation (${f.slaLabel})`;
  return `${head}: ${f.agent} has waited since ${f.requestedAt} for ${f.action} (${f.risk}).`;
}

/** The short title of an escalation, for subjects and fallback texts. */
export function escalationTitle(at: EscalationLevelWords, f: ApprovalFacts): string {
  return at.levels > 1
    ? `Escalation ${at.level} of ${at.levels}`
    : f.sla === "breached"
      ? "SLA breached"
      : "Escalation";
}

/** "Escalated to sam@example.com. Approvers: team:billing-leads. Expires …." */
export function escalationDetail(f: ApprovalFacts, escalateTo: readonly string[]): string {
  const who = escalateTo.length > 0 ? `Escalated to ${escalateTo.join(", ")}. ` : "";
  return `${who}Approvers: ${f.approvers}. Expires ${f.expiresAt}.`;
}

/** "Reminder: support-bot has waited since … for refund.issue (financial); still awaited: ana@…." */
export function reminderLead(f: ApprovalFacts, awaited: readonly string[]): string {
  const who = awaited.length > 0 ? `; still awaited: ${awaited.join(", ")}` : "";
  return `Reminder: ${f.agent} has waited since ${f.requestedAt} for ${f.action} (${f.risk})${who}. Expires ${f.expiresAt}.`;
}
