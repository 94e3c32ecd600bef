import { standingDecision } from "../../blocks/decision.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { expireApproval } from "./expire.ts";
import { type DecisionRow, presentDecision } from "./present.ts";
import { requireApproval } from "./read.ts";

/** The 409 every late decider gets, naming the standing decision (in the words every surface uses). */
export function alreadyDecided(approvalId: string, d: DecisionRow): CodedError {
  const decision = presentDecision(d);
  return new CodedError("already_decided", standingDecision(approvalId, decision), { decision });
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
