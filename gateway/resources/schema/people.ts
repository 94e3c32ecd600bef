// The people kinds: a Team (who may approve) and a Role (who may override, and how often).
import { z } from "zod";
import { email, expecting } from "./fields.ts";
import { channels } from "./routing.ts";

const person = z.strictObject({
  email,
  slack: z
    .string()
    .regex(/^[UW][A-Z0-9]+$/, { error: "expected a Slack user id (U…)" })
    .optional(),
  teams: z.string().min(1, { error: "expected a Teams AAD object id" }).optional(),
});

export const teamSpec = z
  .strictObject({
    members: z.array(person).default([]),
    slackUserGroup: z
      .string()
      .regex(/^S[A-Z0-9]+$/, { error: "expected a Slack user group id (S…)" })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.members.length === 0 && !spec.slackUserGroup) {
      ctx.addIssue({
        code: "custom",
        path: ["members"],
        message: "a team needs members or a slackUserGroup",
      });
    }
  });

export const roleSpec = z.strictObject({
  grants: z.array(
    z.literal("approvals.override", { error: expecting("unknown grant (expected approvals.override)") }),
  ),
  members: z.array(person).min(1, { error: "list at least one member" }),
  maxOverridesPerDay: z
    .int({ error: expecting("expected a whole number") })
    .nonnegative()
    .default(3),
  notify: channels.default([]),
  // Separation of duties holds for overrides too, unless the Role says its members may override for
  // requests they asked for themselves (a one-person on-call rota, say).
  allowSelfOverride: z.boolean({ error: expecting("expected true or false") }).default(false),
});
