// Where an approval goes: channels, approver references (team:NAME / user:EMAIL), rationale, timeout and
// SLA thresholds, defaulted here so every RoutingSpec the loader returns is complete.
import { z } from "zod";
import type { RoutingSpec } from "../../../model/resources.ts";
import { EMAIL, expecting, NAME, positiveNumber } from "./fields.ts";

const CHANNEL =
  /^(slack:(#[a-z0-9][a-z0-9._-]*|[CG][A-Z0-9]+)|teams:[^/\s][^/]*(\/[^/\s][^/]*)?|email:[^\s@]+@[^\s@]+\.[^\s@]+)$/;

const channel = z.string({ error: expecting("expected a channel") }).regex(CHANNEL, {
  error:
    "expected a channel: slack:#name, slack:C0123, teams:<conversation id>, teams:<team>/<channel> or email:ADDRESS",
});
export const channels = z.array(channel);
const personRef = z
  .string({ error: expecting("expected team:NAME or user:EMAIL") })
  .refine(
    (ref) =>
      (ref.startsWith("team:") && NAME.test(ref.slice(5))) ||
      (ref.startsWith("user:") && EMAIL.test(ref.slice(5))),
    { error: "expected team:NAME or user:EMAIL" },
  );
const rationale = z.enum(["required", "optional"], { error: expecting("expected required or optional") });
const edits = z.enum(["allowed", "forbidden"], { error: expecting("expected allowed or forbidden") });

const escalationLevel = z
  .strictObject({
    afterMinutes: positiveNumber,
    to: z.array(personRef).default([]),
    channels: channels.default([]),
  })
  .superRefine((level, ctx) => {
    if (level.to.length === 0 && level.channels.length === 0) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "a level needs people (to) or channels" });
    }
  });

const sla = z
  .strictObject({
    atRiskAfterMinutes: positiveNumber.optional(),
    breachAfterMinutes: positiveNumber.optional(),
    escalateTo: z.array(personRef).default([]),
    escalationChannels: channels.default([]),
    escalation: z.array(escalationLevel).default([]),
    remindEveryMinutes: positiveNumber.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.escalation.length > 0 && (s.escalateTo.length > 0 || s.escalationChannels.length > 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["escalation"],
        message:
          "give escalation levels or escalateTo/escalationChannels (one level at the breach), not both",
      });
    }
    s.escalation.forEach((level, i) => {
      const before = s.escalation[i - 1];
      if (before && level.afterMinutes < before.afterMinutes) {
        ctx.addIssue({
          code: "custom",
          path: ["escalation", i, "afterMinutes"],
          message: `levels fire in order: must not be less than the level before (${before.afterMinutes})`,
        });
      }
    });
  });

/** Minutes that must fall inside the timeout, or what they schedule would never happen. */
function withinTimeout(
  ctx: z.RefinementCtx,
  timeoutMinutes: number,
  minutes: number | undefined,
  path: (string | number)[],
  what: string,
) {
  if (minutes !== undefined && minutes >= timeoutMinutes) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `must be less than timeoutMinutes (${timeoutMinutes}), or ${what} would never happen`,
    });
  }
}

/** minApprovals must be a whole number of at least 1. */
const minApprovals = z
  .int({ error: expecting("expected a whole number of approvers") })
  .min(1, { error: "expected at least 1" });

/**
 * Under a quorum every approver must approve the same input, so approving with edits (which changes it)
 * is for single-approver rules only.
 */
function checkQuorumEdits(spec: RoutingSpec, ctx: z.RefinementCtx): void {
  if (spec.edits === "allowed" && spec.minApprovals > 1) {
    ctx.addIssue({
      code: "custom",
      path: ["edits"],
      message: `edits: allowed needs minApprovals: 1 (it is ${spec.minApprovals}): every approver of a quorum must approve the same input`,
    });
  }
}

// rationale and channels may sit in approvalRouting or beside it in `require`; both are merged.
export const approvalRouting = z
  .strictObject({
    approvers: z.array(personRef).min(1, { error: "list at least one team:NAME or user:EMAIL" }),
    timeoutMinutes: positiveNumber,
    onTimeout: z.literal("deny", {
      error: expecting("expected deny (a request that times out is always denied)"),
    }),
    channels: channels.optional(),
    rationale: rationale.optional(),
    edits: edits.optional(),
    minApprovals: minApprovals.default(1),
    sla: sla.optional(),
  })
  .transform((routing, ctx) => {
    const atRisk = routing.sla?.atRiskAfterMinutes ?? routing.timeoutMinutes / 2;
    // ×4/5 rather than ×0.8 keeps round figures round (1.5 min → 1.2, not 1.2000000000000002).
    const breach = routing.sla?.breachAfterMinutes ?? (routing.timeoutMinutes * 4) / 5;
    if (atRisk > breach) {
      ctx.addIssue({
        code: "custom",
        path: ["sla", "atRiskAfterMinutes"],
        message: `must not exceed breachAfterMinutes (${breach})`,
      });
    }
    if (breach > routing.timeoutMinutes) {
      ctx.addIssue({
        code: "custom",
        path: ["sla", "breachAfterMinutes"],
        message: `must not exceed timeoutMinutes (${routing.timeoutMinutes})`,
      });
    }
    routing.sla?.escalation.forEach((level, i) => {
      const path = ["sla", "escalation", i, "afterMinutes"];
      withinTimeout(ctx, routing.timeoutMinutes, level.afterMinutes, path, "this level");
    });
    const remind = routing.sla?.remindEveryMinutes;
    withinTimeout(ctx, routing.timeoutMinutes, remind, ["sla", "remindEveryMinutes"], "a reminder");
    const spec: RoutingSpec = {
      approvers: routing.approvers,
      channels: routing.channels ?? [],
      timeoutMinutes: routing.timeoutMinutes,
      onTimeout: routing.onTimeout,
      rationale: routing.rationale ?? "required",
      minApprovals: routing.minApprovals,
      edits: routing.edits ?? "forbidden",
      sla: {
        atRiskAfterMinutes: atRisk,
        breachAfterMinutes: breach,
        escalateTo: routing.sla?.escalateTo ?? [],
        escalationChannels: routing.sla?.escalationChannels ?? [],
        escalation: routing.sla?.escalation ?? [],
        ...(remind !== undefined && { remindEveryMinutes: remind }),
      },
    };
    checkQuorumEdits(spec, ctx);
    return spec;
  });

// edits, like rationale, may sit beside approvalRouting in `require` (require.edits: allowed).
export const requirement = z
  .strictObject({
    approval: z.literal("human", { error: expecting("expected human") }).optional(),
    approvalRouting,
    channels: channels.optional(),
    rationale: rationale.optional(),
    edits: edits.optional(),
  })
  .transform((r, ctx): RoutingSpec => {
    const { approvalRouting: routing } = r;
    const spec: RoutingSpec = {
      ...routing,
      channels: [...new Set([...(r.channels ?? []), ...routing.channels])],
      rationale: r.rationale ?? routing.rationale,
      edits: r.edits ?? routing.edits,
    };
    if (r.edits !== undefined) checkQuorumEdits(spec, ctx);
    return spec;
  });
