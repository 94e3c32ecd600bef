// How a decision is said, everywhere: the outcome line of a card, chat reply or email ("Approved by ana@…
// at … — why"), and the sentence naming a decision that stands, for a late decider's refusal (the API's
// 409, the email link page, the terminal) and for a table row. One place, so every surface says the same.
import type { Decision, DecisionValue, SignOff } from "../sdk/types.ts";
import { capitalise, formatTime } from "./words.ts";

/** approve → approved. */
export function pastTense(decision: DecisionValue): "approved" | "rejected" {
  return decision === "approve" ? "approved" : "rejected";
}

/** A card's outcome: "Approved by ana@example.com at 2026-05-01 14:10 UTC — Refund confirmed." */
export function outcomeLine(d: Decision): string {
  if (d.kind === "timeout") return `Expired — denied: ${d.rationale}`;
  if (d.kind === "override") {
    return `Overridden by ${d.decidedBy} under ${d.grantBy}: ${d.rationale} (${pastTense(d.decision)} at ${formatTime(d.decidedAt)})`;
  }
  const why = d.rationale ? ` — ${d.rationale}` : "";
  const edits = d.edited ? " with edits" : "";
  return `${capitalise(pastTense(d.decision))}${edits} by ${d.decidedBy} at ${formatTime(d.decidedAt)}${why}`;
}

export interface DecisionWording {
  /** When it was decided, as a phrase: "at 2026-…Z" (the default) or "2m ago". */
  when?: (iso: string) => string;
  /** Add "via cli". */
  via?: boolean;
  /** How an override's Role is named: "(override under R)" (the default) or ", override under R". */
  override?: "parenthesis" | "comma";
  /** Add the rationale, quoted. */
  rationale?: boolean;
}

const atTime = (iso: string) => `at ${iso}`;

/**
 * The decision as a phrase: "approved by ana@example.com at … (override under sre-oncall)", or for a
 * timeout "expired at … (denied: no decision in time)".
 */
export function decisionPhrase(d: Decision, o: DecisionWording = {}): string {
  const when = (o.when ?? atTime)(d.decidedAt);
  if (d.kind === "timeout") return `expired ${when} (denied: no decision in time)`;
  const via = o.via ? ` via ${d.via}` : "";
  const grant =
    d.kind !== "override"
      ? ""
      : o.override === "comma"
        ? `, override under ${d.grantBy}`
        : ` (override under ${d.grantBy})`;
  const why = o.rationale && d.rationale ? `: “${d.rationale}”` : "";
  return `${pastTense(d.decision)} by ${d.decidedBy} ${when}${via}${grant}${why}`;
}

/** What a late decider is told: "approval-x was already approved by … at …", "approval-x expired at …". */
export function standingDecision(subject: string, d: Decision, o: DecisionWording = {}): string {
  return `${subject} ${d.kind === "timeout" ? "" : "was already "}${decisionPhrase(d, o)}`;
}

/**
 * Where a quorum stands, the same on every surface: "1 of 2 approvals: ana@example.com". Also said once
 * the quorum is met ("2 of 2 approvals: ana@…, ben@…"), so a card shows who approved, not just the last.
 */
export function quorumProgress(given: readonly Pick<SignOff, "decidedBy">[], required: number): string {
  const who = given.length > 0 ? `: ${given.map((g) => g.decidedBy).join(", ")}` : "";
  return `${given.length} of ${required} approvals${who}`;
}

/** What an approver who already approved is told when they try again. */
export function alreadyApprovedByYou(
  subject: string,
  mine: Pick<SignOff, "decidedBy" | "decidedAt">,
  given: readonly Pick<SignOff, "decidedBy">[],
  required: number,
): string {
  const left = required - given.length;
  const waits = left > 0 ? `; it waits for ${left} more approval${left === 1 ? "" : "s"}` : "";
  return `You (${mine.decidedBy}) already approved ${subject} at ${mine.decidedAt}${waits} (${quorumProgress(given, required)})`;
}
