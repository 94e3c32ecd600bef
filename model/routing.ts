// An approval's routing with its people resolved: who may decide, where the card goes, when it expires
// and escalates, and what a decision must carry. Approver references are resolved once, when the
// policies compile; the SLA thresholds arrive already defaulted by the resource schema.
import type { ResourceSet, RoutingSpec, TeamResource } from "./resources.ts";

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
  /** Distinct approvers who must approve. */
  requiredApprovals: number;
  /** An approver may approve with a changed input. */
  editsAllowed: boolean;
  sla: ResolvedSla;
}

/** An escalation level with its people resolved to emails. */
export interface ResolvedEscalation {
  afterMinutes: number;
  to: string[];
  channels: string[];
}

export interface ResolvedSla {
  atRiskAfterMinutes: number;
  breachAfterMinutes: number;
  /** Every escalation level in the order it fires; the single escalateTo form is one level at the breach. */
  levels: ResolvedEscalation[];
  remindEveryMinutes: number | null;
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
  const { sla } = spec;
  const single =
    sla.escalateTo.length > 0 || sla.escalationChannels.length > 0
      ? [{ afterMinutes: sla.breachAfterMinutes, to: sla.escalateTo, channels: sla.escalationChannels }]
      : [];
  const levels = [...single, ...sla.escalation].map((level) => ({
    afterMinutes: level.afterMinutes,
    to: resolvePeople(level.to, resources).emails,
    channels: level.channels,
  }));
  // Decisions share this object; freezing keeps one caller's edits from leaking into the next call.
  return Object.freeze({
    approverRefs: spec.approvers,
    approvers: approvers.emails,
    approverSlackGroups: approvers.slackGroups,
    channels: spec.channels,
    timeoutMinutes: spec.timeoutMinutes,
    onTimeout: spec.onTimeout,
    rationaleRequired: spec.rationale === "required",
    requiredApprovals: spec.minApprovals,
    editsAllowed: spec.edits === "allowed",
    sla: {
      atRiskAfterMinutes: sla.atRiskAfterMinutes,
      breachAfterMinutes: sla.breachAfterMinutes,
      levels,
      remindEveryMinutes: sla.remindEveryMinutes ?? null,
    },
  });
}
