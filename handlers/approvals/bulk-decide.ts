// Deciding a selection with one shared rationale. Each approval is decided on its own, so one that is
// already decided or not the caller's does not stop the rest.

import type { HandlerDeps } from "../deps.ts";
import { isCodedError } from "../errors.ts";
import { decide } from "./decide.ts";
import type { Actor, DecisionValue, Via } from "./types.ts";

export type BulkOutcome =
  | "decided"
  | "already_decided"
  | "not_an_approver"
  | "not_found"
  | "rationale_required";

export interface BulkDecideRequest {
  ids: string[];
  decision: DecisionValue;
  rationale?: string | undefined;
  actor: Actor;
  via: Via;
}

export async function bulkDecide(
  deps: HandlerDeps,
  req: BulkDecideRequest,
): Promise<{ results: { id: string; outcome: BulkOutcome; message?: string }[] }> {
  const results: { id: string; outcome: BulkOutcome; message?: string }[] = [];
  for (const id of new Set(req.ids)) {
    try {
      await decide(deps, { ...req, approvalId: id });
      results.push({ id, outcome: "decided" });
    } catch (err) {
      if (!isCodedError(err) || !isBulkOutcome(err.code)) throw err;
      results.push({ id, outcome: err.code, message: err.message });
    }
  }
  return { results };
}

function isBulkOutcome(code: string): code is BulkOutcome {
  return ["already_decided", "not_an_approver", "not_found", "rationale_required"].includes(code);
}
