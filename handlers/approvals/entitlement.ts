// Who may decide an approval, and what a decision must carry: the one check every surface runs, whether
// it is about to ask for a rationale (a Slack modal, an email confirm page) or recording the decision.
// Future rules on who may decide (quorum, separation of duties) belong here, so no surface can miss them.
import { RATIONALE_MAX } from "../../model/routing.ts";
import type { Approval } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { alreadyDecided } from "./already-decided.ts";
import { type ApprovalRow, type DecisionRow, presentApproval } from "./present.ts";
import { requireApproval } from "./read.ts";
import type { Actor } from "./types.ts";

/** The parts of an approval (its row, or as the API shows it) that say who may decide it. */
type Routed = Pick<ApprovalRow, "id" | "approvers" | "approverRefs"> & { approverSlackGroups?: string[] };

/** A routed approver: by email, or through a Team's Slack user group. */
export function isApprover(approval: Omit<Routed, "id" | "approverRefs">, actor: Actor): boolean {
  const email = actor.email.toLowerCase();
  if (approval.approvers.includes(email)) return true;
  return (actor.slackGroups ?? []).some((g) => approval.approverSlackGroups?.includes(g));
}

/** Throws not_an_approver unless actor may decide the approval. */
export function assertApprover(approval: Routed, actor: Actor): void {
  if (!isApprover(approval, actor)) {
    throw new CodedError(
      "not_an_approver",
      `${actor.email} is not an approver of ${approval.id} (approvers: ${approval.approverRefs.join(", ")})`,
    );
  }
}

/** Throws unless the approval is still undecided and actor may decide it. */
export function assertOpenTo(found: { approval: ApprovalRow; decision: DecisionRow | null }, actor: Actor) {
  if (found.decision) throw alreadyDecided(found.approval.id, found.decision);
  assertApprover(found.approval, actor);
}

/**
 * The approval as it stands, if actor may decide it now: what a surface checks before it asks for a
 * rationale. Throws not_found, already_decided (naming the standing decision) or not_an_approver.
 */
export async function openDecision(deps: HandlerDeps, approvalId: string, actor: Actor): Promise<Approval> {
  const found = await requireApproval(deps.database.db, approvalId);
  assertOpenTo(found, actor);
  return presentApproval(found.approval, null, deps.clock.now());
}

/**
 * A rationale (or an override's reason) as it is recorded: trimmed, and never longer than RATIONALE_MAX
 * characters as given (400 bad_request naming the field otherwise, with `field` and `max` in the body).
 */
export function recordedRationale(given: string | undefined, field: "rationale" | "reason"): string {
  const text = given ?? "";
  if (text.length > RATIONALE_MAX) {
    throw new CodedError(
      "bad_request",
      `${field}: must be at most ${RATIONALE_MAX} characters (this one has ${text.length})`,
      { field, max: RATIONALE_MAX },
    );
  }
  return text.trim();
}
