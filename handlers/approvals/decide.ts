// A person's decision (API, CLI, Slack, Teams, email): only a routed approver, never the requester for an
// approval, with a rationale where the rule requires one, and only while the approval is pending and
// unexpired. An approval needing several approvers (quorum) records each approval as an immutable sign-off;
// whoever lands the last needed one records the decision. The first rejection decides at once.
//
// Race-safe in SQL: every decider locks the approval row first, so the sign-offs of one approval are
// counted one decider at a time — two approvers landing together cannot both be "the last", nor both see
// the other as missing — and the decision itself is the same conditional UPDATE as for one approver.
import { and, asc, eq, gt } from "drizzle-orm";
import { quorumProgress } from "../../blocks/decision.ts";
import { notifyChanged } from "../../db/notify.ts";
import type { Tx } from "../../db/open.ts";
import { approvals, signOffs } from "../../db/schema.ts";
import { refreshCards } from "../../outbox/enqueue.ts";
import type { Approval, DecisionValue } from "../../sdk/types.ts";
import { appendAudit } from "../audit.ts";
import { APPROVAL_CHANGED } from "../channels.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { lostDecision } from "./already-decided.ts";
import { checkedEdit } from "./edits.ts";
import { assertMayDecide, recordedRationale } from "./entitlement.ts";
import { type ApprovalRow, type DecisionRow, presentApproval, type SignOffRow } from "./present.ts";
import { requireApproval } from "./read.ts";
import { type NewDecision, recordDecision } from "./record-decision.ts";
import type { Actor, Via } from "./types.ts";

export interface DecideRequest {
  approvalId: string;
  decision: DecisionValue;
  rationale?: string | undefined;
  actor: Actor;
  via: Via;
  /** Approve only: the input as the approver changed it (the rule must say edits: allowed). */
  input?: unknown;
}

/** What landed: the decision, or one approval toward a quorum that needs more, with the rows to show. */
type Landed =
  | { kind: "decided" | "counted"; approval: ApprovalRow; decision: DecisionRow | null; given: SignOffRow[] }
  | { kind: "lost" }
  | { kind: "already_approved" };

export async function decide(deps: HandlerDeps, req: DecideRequest): Promise<Approval> {
  const { db } = deps.database;
  const rationale = recordedRationale(req.rationale, "rationale");
  const found = await requireApproval(db, req.approvalId);
  assertMayDecide(found, req.actor, req.decision);
  if (found.approval.rationaleRequired && rationale === "") {
    throw new CodedError("rationale_required", `a rationale is required to decide ${req.approvalId}`);
  }
  const editedInput = checkedEdit(deps, found.approval, req.decision, req.input);

  const now = deps.clock.now();
  const decision: NewDecision = {
    decision: req.decision,
    kind: "human",
    via: req.via,
    decidedBy: req.actor.email.toLowerCase(),
    rationale,
    grantBy: null,
    at: now,
    ...(editedInput !== undefined && { editedInput }),
  };
  const landed = await db.transaction((tx) => land(tx, req.approvalId, decision));
  // Lost to another decider, or past the deadline (the timeout then stands).
  if (landed.kind === "lost") throw await lostDecision(deps, req.approvalId);
  if (landed.kind === "already_approved") {
    // Approved meanwhile by this same person from another surface: told as a second click would be.
    const after = await requireApproval(db, req.approvalId);
    assertMayDecide(after, req.actor, req.decision);
    return presentApproval(after.approval, after.decision, now, after.signOffs);
  }
  return presentApproval(landed.approval, landed.decision, now, landed.given);
}

async function land(tx: Tx, id: string, d: NewDecision): Promise<Landed> {
  const [open] = await tx
    .select()
    .from(approvals)
    .where(and(eq(approvals.id, id), eq(approvals.status, "pending"), gt(approvals.expiresAt, d.at)))
    .for("update");
  if (!open) return { kind: "lost" };
  let given: SignOffRow[] = [];
  if (d.decision === "approve") {
    const [signed] = await tx
      .insert(signOffs)
      .values({ approvalId: id, decidedBy: d.decidedBy, decidedAt: d.at, via: d.via, rationale: d.rationale })
      .onConflictDoNothing()
      .returning();
    if (!signed) return { kind: "already_approved" };
    // Read under the row lock: every sign-off that committed before this one, and this one. A single
    // approver's is the only one there can be.
    given = open.requiredApprovals === 1 ? [signed] : await signOffsIn(tx, id);
    if (given.length < open.requiredApprovals) {
      await countedTowardQuorum(tx, id, d, given, open.requiredApprovals);
      return { kind: "counted", approval: open, decision: null, given };
    }
  } else if (open.requiredApprovals > 1) {
    given = await signOffsIn(tx, id);
  }
  const recorded = await recordDecision(tx, id, d);
  return recorded ? { kind: "decided", ...recorded, given } : { kind: "lost" };
}

function signOffsIn(tx: Tx, id: string): Promise<SignOffRow[]> {
  return tx
    .select()
    .from(signOffs)
    .where(eq(signOffs.approvalId, id))
    .orderBy(asc(signOffs.decidedAt), asc(signOffs.decidedBy));
}

/** An approval that does not yet reach the quorum: audited, and every posted card shows the count. */
async function countedTowardQuorum(
  tx: Tx,
  id: string,
  d: NewDecision,
  given: { decidedBy: string }[],
  required: number,
): Promise<void> {
  await refreshCards(tx, [id], d.at);
  // Still pending, but open console pages show who approved so far.
  await notifyChanged(tx, APPROVAL_CHANGED, [id]);
  await appendAudit(tx, {
    type: "approval.signed_off",
    approvalId: id,
    actor: d.decidedBy,
    at: d.at,
    data: {
      via: d.via,
      rationale: d.rationale,
      approvals: given.length,
      requiredApprovals: required,
      progress: quorumProgress(given, required),
    },
  });
}
