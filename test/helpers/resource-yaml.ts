// The resource documents test worlds are written from. Tools and agents are built here, since they
// differ only in name and side effect; policies, teams and roles stay literal in each world, because
// what they route is what that world's tests are about.
export const API_VERSION = "apiVersion: countersign.dev/v1alpha1";

/** Documents as one resources file. */
export function resourcesYaml(...documents: string[]): string {
  return `${documents.join("\n---\n")}\n`;
}

/** A Tool; `spec` is its indented spec lines. */
export function toolYaml(name: string, spec: string): string {
  return `${API_VERSION}\nkind: Tool\nmetadata: { name: ${name} }\nspec:\n${spec}`;
}

/** An approval-only Tool (nothing is called), by default one that needs approval and is not idempotent. */
export function decisionToolYaml(
  name: string,
  level: string,
  { idempotent = false, requiresApproval = true } = {},
): string {
  return toolYaml(
    name,
    `  type: decision\n  sideEffects: { level: ${level}, idempotent: ${idempotent}, requiresApproval: ${requiresApproval} }\n`,
  );
}

/** An Agent labelled env: prod, which the reference policies select. */
export function prodAgentYaml(name: string): string {
  return `${API_VERSION}\nkind: Agent\nmetadata: { name: ${name}, labels: { env: prod } }\n`;
}
