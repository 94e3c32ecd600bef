// Turns a policy's routing into the people who may decide. Approver references are resolved once, when
// the policies compile; the SLA thresholds arrive already defaulted by the resource schema.
import type { ResourceSet, RoutingSpec, TeamResource } from "../resources/types.ts";
import type { ResolvedRouting } from "./types.ts";

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
