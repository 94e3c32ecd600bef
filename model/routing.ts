// An approval's routing with its people resolved: who may decide, where the card goes, when it expires
// and escalates, and what a decision must carry. Approver references are resolved once, when the
// policies compile; the SLA thresholds arrive already defaulted by the resource schema.
import type { ResourceSet, RoutingSpec, SlaRouting, TeamResource } from "./resources.ts";

/**
 * The longest rationale (or override reason) a decision may carry, in characters. The domain refuses a
 * longer one (handlers/); every surface only reads this to size its input (API schema, Slack modal,
 * Teams card, email form).
 */
export const RATIONALE_MAX = 3000;

/** Routing with approvers resolved to people (emails) and SLA thresholds filled in. */
export interface ResolvedRouting {
  approverRefs: string[];
  /** Emails of everyone who may decide, from team members and user: references. */
  approvers: string[];
  /** Slack user groups (team:x with slackUserGroup) whose members may also decide. */
  approverSlackGroups: string[];
  channels: string[];
  timeoutMinutes: number;
  onTimeout: "deny";
  /** A decision needs a rationale (the rule's `rationale: required`, the default). */
  rationaleRequired: boolean;
  sla: SlaRouting & { escalateToEmails: string[] };
}

/** team:NAME → every member's email; user:EMAIL → that email. Emails lowercased, each once. */
export function resolvePeople(
  refs: readonly string[],
  resources: Pick<ResourceSet, "teams">,
): { emails: string[]; slackGroups: string[] } {
  const emails = new Set<string>();
  const slackGroups = new Set<string>();
  for (const ref of refs) {
    if (ref.startsWith("user:")) {
      emails.add(ref.slice("user:".length).toLowerCase());
      continue;
    }
    const team: TeamResource | undefined = ref.startsWith("team:")
      ? resources.teams.get(ref.slice("team:".length))
      : undefined;
    // The loader rejects unknown teams, so this is a programming error, not bad YAML.
    if (!team) throw new Error(`cannot resolve approver reference ${ref}`);
    for (const member of team.members) emails.add(member.email.toLowerCase());
    if (team.slackUserGroup) slackGroups.add(team.slackUserGroup);
  }
  return { emails: [...emails], slackGroups: [...slackGroups] };
}

export function resolveRouting(spec: RoutingSpec, resources: ResourceSet): ResolvedRouting {
  const approvers = resolvePeople(spec.approvers, resources);
  // Decisions share this object; freezing keeps one caller's edits from leaking into the next call.
  return Object.freeze({
    approverRefs: spec.approvers,
    approvers: approvers.emails,
    approverSlackGroups: approvers.slackGroups,
    channels: spec.channels,
    timeoutMinutes: spec.timeoutMinutes,
    onTimeout: spec.onTimeout,
    rationaleRequired: spec.rationale === "required",
    sla: { ...spec.sla, escalateToEmails: resolvePeople(spec.sla.escalateTo, resources).emails },
  });
}
