// The Policy spec: `when` conditions, rules, the toolPolicy short form and appliesTo.
import { z } from "zod";
import type { PolicyResource, PolicyRule } from "../../../model/resources.ts";
import { ConditionError, compileCondition } from "../../policy/conditions.ts";
import { expecting, labels, name } from "./fields.ts";
import { approvalRouting, requirement } from "./routing.ts";

// Conditions are compiled here with the engine's own compiler, so what loads is exactly what runs.
const when = z
  .record(z.string(), z.unknown(), { error: expecting("expected a map of conditions") })
  .superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      try {
        compileCondition(key, value);
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        ctx.addIssue({ code: "custom", path: [key, ...e.at], message: e.message });
      }
    }
  });

const rule = z
  .strictObject({
    when,
    action: z.enum(["allow", "deny"], { error: expecting("expected allow or deny") }).optional(),
    require: requirement.optional(),
  })
  .transform((r, ctx): PolicyRule => {
    if ((r.action === undefined) === (r.require === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "give either action: allow|deny or require: {approval: human, …}",
      });
    }
    return r.require
      ? { when: r.when, action: "require", routing: r.require }
      : { when: r.when, action: r.action! };
  });

const toolPattern = z.string().regex(/^[A-Za-z0-9._*?-]+$/, { error: "expected a tool name or glob" });

// The short form. Its requireApproval names take their routing from toolPolicy.approvalRouting (same
// shape as a rule's, channels and rationale inside); without it they are refused with no_route.
const toolPolicy = z.strictObject({
  default: z.enum(["allow", "deny"], { error: expecting("expected allow or deny") }).optional(),
  allow: z.array(toolPattern).default([]),
  requireApproval: z.array(toolPattern).default([]),
  approvalRouting: approvalRouting.optional(),
});

const appliesTo = z
  .strictObject({
    agents: z
      .union(
        [
          z
            .array(name)
            .min(1, { error: "list at least one agent, or leave out appliesTo to apply to every agent" }),
          z.strictObject({ selector: z.strictObject({ matchLabels: labels }) }),
        ],
        { error: "expected a list of agent names or { selector: { matchLabels: … } }" },
      )
      .optional(),
  })
  .transform(({ agents }): PolicyResource["appliesTo"] => {
    if (agents === undefined) return {};
    return Array.isArray(agents) ? { agents } : { matchLabels: agents.selector.matchLabels };
  });

export const policySpec = z
  .strictObject({
    appliesTo: appliesTo.default({}),
    rules: z.array(rule).default([]),
    toolPolicy: toolPolicy.optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.rules.length === 0 && !spec.toolPolicy) {
      ctx.addIssue({ code: "custom", message: "a policy needs rules or a toolPolicy" });
    }
  });
