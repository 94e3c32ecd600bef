// Break-glass override: a member of a Role granting approvals.override decides a pending approval without
// being routed to it (and without waiting for a quorum), with a reason, at most maxOverridesPerDay times
// per Role in any 24 hours. The count and the decision share a transaction holding a per-Role advisory
// lock, so racing overrides cannot slip past the limit together. Separation of duties holds unless the
// Role allows self-override. Agent keys never reach this (the HTTP layer refuses them first).
import { and, count, eq, gt, sql } from "drizzle-orm";
import { decisions } from "../../db/schema.ts";
import type { RoleResource } from "../../model/resources.ts";
import { enqueue } from "../../outbox/enqueue.ts";
import type { Approval, DecisionValue } from "../../sdk/types.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { alreadyDecided, lostDecision } from "./already-decided.ts";
import { assertNotSelfApproval, recordedRationale } from "./entitlement.ts";
import { presentApproval } from "./present.ts";
import { requireApproval } from "./read.ts";
import { recordDecision } from "./record-decision.ts";
import type { Actor, Via } from "./types.ts";

export const OVERRIDE_GRANT = "approvals.override";
const DAY_MS = 24 * 60 * 60 * 1000;

export interface OverrideRequest {
  approvalId: string;
  decision: DecisionValue;
  grantBy: string;
  reason?: string | undefined;
  actor: Actor;
  via: Via;
}

/** The Role the actor invokes, if it exists, grants overrides and counts the actor as a member. */
export function overrideRole(deps: HandlerDeps, roleName: string, actor: Actor): RoleResource {
  const role = deps.resources().roles.get(roleName);
  const email = actor.email.toLowerCase();
  if (!role) throw new CodedError("not_permitted", `there is no Role named ${roleName}`);
  if (!role.grants.includes(OVERRIDE_GRANT)) {
    throw new CodedError("not_permitted", `Role ${roleName} does not grant ${OVERRIDE_GRANT}`);
  }
  if (!role.members.some((m) => m.email.toLowerCase() === email)) {
    throw new CodedError("not_permitted", `${email} is not a member of Role ${roleName}`);
  }
  return role;
}

export async function override(deps: HandlerDeps, req: OverrideRequest): Promise<Approval> {
  const { db } = deps.database;
  const role = overrideRole(deps, req.grantBy, req.actor);
  const reason = recordedRationale(req.reason, "reason");
  if (reason === "") throw new CodedError("reason_required", "an override needs a reason (--reason)");
  const found = await requireApproval(db, req.approvalId);
  if (found.decision) throw alreadyDecided(req.approvalId, found.decision);
  // Break-glass does not break separation of duties, unless the Role says its members may.
  if (!role.allowSelfOverride) assertNotSelfApproval(found.approval, req.actor, req.decision);

  const now = deps.clock.now();
  const recorded = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(727003, hashtext(${role.name}))`);
    const [used] = await tx
      .select({ n: count() })
      .from(decisions)
      .where(
        and(
          eq(decisions.kind, "override"),
          eq(decisions.grantBy, role.name),
          gt(decisions.decidedAt, new Date(now.getTime() - DAY_MS)),
        ),
      );
    if ((used?.n ?? 0) >= role.maxOverridesPerDay) {
      throw new CodedError(
        "override_limit",
        `Role ${role.name} has used its ${role.maxOverridesPerDay} overrides in the last 24 hours`,
      );
    }
    const result = await recordDecision(tx, req.approvalId, {
      decision: req.decision,
      kind: "override",
      via: req.via,
      decidedBy: req.actor.email.toLowerCase(),
      rationale: reason,
      grantBy: role.name,
      at: now,
    });
    if (result) {
      const notices = role.notify.map((channel) => ({
        approvalId: req.approvalId,
        purpose: "notice" as const,
        channel,
      }));
      await enqueue(tx, notices, now);
    }
    return result;
  });
  if (!recorded) throw await lostDecision(deps, req.approvalId);
  return presentApproval(recorded.approval, recorded.decision, now, found.signOffs);
}
