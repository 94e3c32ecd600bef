import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { expireApproval } from "./expire.ts";
import { type DecisionRow, presentDecision } from "./present.ts";
import { requireApproval } from "./read.ts";

/** The 409 every late decider gets, naming the standing decision. */
export function alreadyDecided(approvalId: string, d: DecisionRow): CodedError {
  const when = d.decidedAt.toISOString();
  const message =
    d.kind === "timeout"
      ? `${approvalId} expired at ${when} (denied: no decision in time)`
      : `${approvalId} was already ${d.decision === "approve" ? "approved" : "rejected"} by ${d.decidedBy} at ${when}` +
        (d.kind === "override" ? ` (override under ${d.grantBy})` : "");
  return new CodedError("already_decided", message, { decision: presentDecision(d) });
}

/**
 * The 409 for a decision that lost: to another decider, or to the deadline. An approval still pending
 * past its deadline (not yet swept) is expired here, so the loser is told the outcome that stands.
 */
export async function lostDecision(deps: HandlerDeps, approvalId: string): Promise<CodedError> {
  let { decision } = await requireApproval(deps.database.db, approvalId);
  if (!decision) {
    await expireApproval(deps, approvalId);
    decision = (await requireApproval(deps.database.db, approvalId)).decision;
  }
  if (!decision) return new CodedError("internal", `${approvalId} could not be decided; try again`);
  return alreadyDecided(approvalId, decision);
}
