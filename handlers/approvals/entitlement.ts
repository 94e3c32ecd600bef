// Who may decide an approval, and what a decision must carry: the one check every surface runs, whether
// it is about to ask for a rationale (a Slack modal, an email confirm page) or recording the decision.
// The rules on who may decide live here, so no surface can miss one: only a routed approver; never the
// person who asked (separation of duties), for an approval; and each approver once toward a quorum.
import { alreadyApprovedByYou } from "../../blocks/decision.ts";
import { RATIONALE_MAX } from "../../model/routing.ts";
import type { Approval, DecisionValue } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { assertStorable } from "../storable-json.ts";
import { alreadyDecided } from "./already-decided.ts";
import { type ApprovalRow, presentApproval, presentSignOff, type SignOffRow } from "./present.ts";
import { type FoundApproval, requireApproval } from "./read.ts";
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

/**
 * Separation of duties: the person the agent acts for never approves their own request (they may still
 * reject it: withdrawing a request is no conflict of interest). An override skips this check only under a
 * Role with allowSelfOverride.
 */
export function assertNotSelfApproval(
  approval: Pick<ApprovalRow, "id" | "requestedBy">,
  actor: Actor,
  decision: DecisionValue,
): void {
  const requester = approval.requestedBy?.toLowerCase();
  if (decision !== "approve" || !requester || requester !== actor.email.toLowerCase()) return;
  throw new CodedError(
    "self_approval",
    `${requester} asked for ${approval.id}, so cannot approve it: another approver must (separation of duties)`,
    { requestedBy: requester },
  );
}

/** Throws already_approved_by_you when actor's approval already counts toward the quorum. */
export function assertNotApprovedYet(
  approval: Pick<ApprovalRow, "id" | "requiredApprovals">,
  given: readonly SignOffRow[],
  actor: Actor,
): void {
  const email = actor.email.toLowerCase();
  const mine = given.find((s) => s.decidedBy === email);
  if (!mine) return;
  const all = given.map(presentSignOff);
  throw new CodedError(
    "already_approved_by_you",
    alreadyApprovedByYou(approval.id, presentSignOff(mine), all, approval.requiredApprovals),
    { approvals: all, requiredApprovals: approval.requiredApprovals },
  );
}

/**
 * Throws unless the approval is still undecided and actor may make this decision on it: already_decided
 * (naming the standing decision), self_approval, not_an_approver, already_approved_by_you.
 */
export function assertMayDecide(found: FoundApproval, actor: Actor, decision: DecisionValue): void {
  if (found.decision) throw alreadyDecided(found.approval.id, found.decision);
  assertNotSelfApproval(found.approval, actor, decision);
  assertApprover(found.approval, actor);
  if (decision === "approve") assertNotApprovedYet(found.approval, found.signOffs, actor);
}

/**
 * The approval as it stands, if actor may make this decision on it now: what a surface checks before it
 * asks for a rationale. Throws not_found or any refusal of assertMayDecide.
 */
export async function openDecision(
  deps: HandlerDeps,
  approvalId: string,
  actor: Actor,
  decision: DecisionValue,
): Promise<Approval> {
  const found = await requireApproval(deps.database.db, approvalId);
  assertMayDecide(found, actor, decision);
  return presentApproval(found.approval, null, deps.clock.now(), found.signOffs);
}

/**
 * A rationale (or an override's reason) as it is recorded: trimmed, and never longer than RATIONALE_MAX
 * characters as given (400 bad_request naming the field otherwise, with `field` and `max` in the body).
 */
export function recordedRationale(given: string | undefined, field: "rationale" | "reason"): string {
  const text = given ?? "";
  assertStorable(text, field);
  if (text.length > RATIONALE_MAX) {
    throw new CodedError(
      "bad_request",
      `${field}: must be at most ${RATIONALE_MAX} characters (this one has ${text.length})`,
      { field, max: RATIONALE_MAX },
    );
  }
  return text.trim();
}
