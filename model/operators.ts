// Who the resources know as a person: a member of a Team or a Role, or a user: reference in a Policy's
// routing (approvers, escalations). Signing in to the console as anyone else is refused; what a known
// person may then do is decided per approval, as for their operator key.
import type { PolicyResource, ResourceSet, RoutingSpec } from "./resources.ts";

/** Every person the resources name, by lowercased email. */
export function peopleNamed(resources: Pick<ResourceSet, "teams" | "roles" | "policies">): Set<string> {
  const emails = new Set<string>();
  for (const team of resources.teams.values())
    for (const m of team.members) emails.add(m.email.toLowerCase());
  for (const role of resources.roles.values())
    for (const m of role.members) emails.add(m.email.toLowerCase());
  for (const routing of routingsOf(resources.policies)) {
    const refs = [
      ...routing.approvers,
      ...routing.sla.escalateTo,
      ...routing.sla.escalation.flatMap((level) => level.to),
    ];
    for (const ref of refs) if (ref.startsWith("user:")) emails.add(ref.slice("user:".length).toLowerCase());
  }
  return emails;
}

/** Whether `email` (any case) is a person the resources name. */
export function isNamedInResources(
  email: string,
  resources: Pick<ResourceSet, "teams" | "roles" | "policies">,
): boolean {
  return peopleNamed(resources).has(email.toLowerCase());
}

function routingsOf(policies: readonly PolicyResource[]): RoutingSpec[] {
  return policies.flatMap((p) => [
    ...p.rules.flatMap((rule) => (rule.routing ? [rule.routing] : [])),
    ...(p.toolPolicy?.routing ? [p.toolPolicy.routing] : []),
  ]);
}
