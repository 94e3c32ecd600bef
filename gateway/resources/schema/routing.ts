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

const sla = z.strictObject({
  atRiskAfterMinutes: positiveNumber.optional(),
  breachAfterMinutes: positiveNumber.optional(),
  escalateTo: z.array(personRef).default([]),
  escalationChannels: channels.default([]),
});

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
    const spec: RoutingSpec = {
      approvers: routing.approvers,
      channels: routing.channels ?? [],
      timeoutMinutes: routing.timeoutMinutes,
      onTimeout: routing.onTimeout,
      rationale: routing.rationale ?? "required",
      sla: {
        atRiskAfterMinutes: atRisk,
        breachAfterMinutes: breach,
        escalateTo: routing.sla?.escalateTo ?? [],
        escalationChannels: routing.sla?.escalationChannels ?? [],
      },
    };
    return spec;
  });

export const requirement = z
  .strictObject({
    approval: z.literal("human", { error: expecting("expected human") }).optional(),
    approvalRouting,
    channels: channels.optional(),
    rationale: rationale.optional(),
  })
  .transform(
    ({ approvalRouting: routing, channels: outer, rationale: outerRationale }): RoutingSpec => ({
      ...routing,
      channels: [...new Set([...(outer ?? []), ...routing.channels])],
      rationale: outerRationale ?? routing.rationale,
    }),
  );
