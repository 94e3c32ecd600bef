// Deciding a selection with one shared rationale. Each approval is decided on its own, so one that is
// already decided or not the caller's does not stop the rest. Approvals are independent rows, so a few
// are decided at once; results keep the order of the request. Every rule of a single decision holds per
// row (decide() is the one path): a row the caller asked for is `self_approval`, a quorum that still
// needs more approvers is `counted`.

import { quorumProgress } from "../../blocks/decision.ts";
import type { BulkDecideResult, BulkOutcome, DecisionValue } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { isCodedError } from "../errors.ts";
import { decide } from "./decide.ts";
import { recordedRationale } from "./entitlement.ts";
import type { Actor, Via } from "./types.ts";

export interface BulkDecideRequest {
  ids: string[];
  decision: DecisionValue;
  rationale?: string | undefined;
  actor: Actor;
  via: Via;
}

type BulkResult = BulkDecideResult["results"][number];

const CONCURRENCY = 8;

/** Refusals that concern one row only; anything else (a bug, the database gone) fails the whole request. */
const ROW_REFUSALS: readonly BulkOutcome[] = [
  "already_decided",
  "already_approved_by_you",
  "not_an_approver",
  "self_approval",
  "not_found",
  "rationale_required",
];

export async function bulkDecide(deps: HandlerDeps, req: BulkDecideRequest): Promise<BulkDecideResult> {
  // One shared rationale: refused once, before any approval is touched.
  recordedRationale(req.rationale, "rationale");
  const ids = [...new Set(req.ids)];
  const results: BulkResult[] = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const i = next++;
      results[i] = await decideOne(deps, req, ids[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, worker));
  return { results };
}

async function decideOne(deps: HandlerDeps, req: BulkDecideRequest, id: string): Promise<BulkResult> {
  try {
    const after = await decide(deps, { ...req, approvalId: id });
    if (after.status !== "pending") return { id, outcome: "decided" };
    return { id, outcome: "counted", message: quorumProgress(after.approvals, after.requiredApprovals) };
  } catch (err) {
    if (!isCodedError(err) || !isBulkOutcome(err.code)) throw err;
    return { id, outcome: err.code, message: err.message };
  }
}

function isBulkOutcome(code: string): code is BulkOutcome {
  return (ROW_REFUSALS as readonly string[]).includes(code);
}
