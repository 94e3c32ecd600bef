// A person's decision (API, CLI, Slack, Teams, email): only a routed approver, with a rationale where the
// rule requires one, and only while the approval is pending and unexpired.

import type { Approval, DecisionValue } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { lostDecision } from "./already-decided.ts";
import { assertOpenTo, recordedRationale } from "./entitlement.ts";
import { presentApproval } from "./present.ts";
import { requireApproval } from "./read.ts";
import { recordDecision } from "./record-decision.ts";
import type { Actor, Via } from "./types.ts";

export interface DecideRequest {
  approvalId: string;
  decision: DecisionValue;
  rationale?: string | undefined;
  actor: Actor;
  via: Via;
}

export async function decide(deps: HandlerDeps, req: DecideRequest): Promise<Approval> {
  const { db } = deps.database;
  const rationale = recordedRationale(req.rationale, "rationale");
  const found = await requireApproval(db, req.approvalId);
  assertOpenTo(found, req.actor);
  if (found.approval.rationaleRequired && rationale === "") {
    throw new CodedError("rationale_required", `a rationale is required to decide ${req.approvalId}`);
  }

  const now = deps.clock.now();
  const recorded = await db.transaction((tx) =>
    recordDecision(tx, req.approvalId, {
      decision: req.decision,
      kind: "human",
      via: req.via,
      decidedBy: req.actor.email.toLowerCase(),
      rationale,
      grantBy: null,
      at: now,
    }),
  );
  // Lost to another decider, or past the deadline (the timeout then stands).
  if (!recorded) throw await lostDecision(deps, req.approvalId);
  return presentApproval(recorded.approval, recorded.decision, now);
}
