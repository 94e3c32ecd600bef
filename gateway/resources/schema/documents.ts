// The document envelope (apiVersion, kind, metadata, spec) of each kind, and how each turns into the
// normalised resource types in types.ts.
import { z } from "zod";
import type {
  AgentResource,
  PolicyResource,
  RoleResource,
  TeamResource,
  ToolResource,
} from "../../../model/resources.ts";
import { expecting, labels, name } from "./fields.ts";
import { roleSpec, teamSpec } from "./people.ts";
import { policySpec } from "./policy.ts";
import { toolSpec } from "./tool.ts";

export const API_VERSIONS = ["countersign.dev/v1alpha1", "joch.dev/v1alpha1"] as const;
export const KINDS = ["Tool", "Policy", "Team", "Role", "Agent"] as const;
export type Kind = (typeof KINDS)[number];
export const API_VERSION_REASON = `expected ${API_VERSIONS.join(" or ")}`;

export type ParsedDocument =
  | { kind: "Tool"; resource: ToolResource }
  | { kind: "Policy"; resource: PolicyResource }
  | { kind: "Team"; resource: TeamResource }
  | { kind: "Role"; resource: RoleResource }
  | { kind: "Agent"; resource: AgentResource };

const metadata = z.strictObject({
  name,
  labels: labels.default({}),
  annotations: z.record(z.string(), z.string()).optional(),
  description: z.string().optional(),
});

function documentOf<K extends Kind, S extends z.ZodType>(kind: K, spec: S) {
  return z.strictObject({
    apiVersion: z.enum(API_VERSIONS, { error: expecting(API_VERSION_REASON) }),
    kind: z.literal(kind),
    metadata,
    spec,
  });
}

export const documents = {
  Tool: documentOf("Tool", toolSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Tool",
      resource: {
        name: m.name,
        type: spec.type,
        ...(spec.endpoint && { endpoint: spec.endpoint }),
        sideEffects: spec.sideEffects,
        ...(spec.inputSchema && { inputSchema: spec.inputSchema }),
      },
    }),
  ),
  Policy: documentOf("Policy", policySpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Policy",
      resource: {
        name: m.name,
        appliesTo: spec.appliesTo,
        rules: spec.rules,
        ...(spec.toolPolicy && {
          toolPolicy: {
            ...(spec.toolPolicy.default && { default: spec.toolPolicy.default }),
            allow: spec.toolPolicy.allow,
            requireApproval: spec.toolPolicy.requireApproval,
            ...(spec.toolPolicy.approvalRouting && { routing: spec.toolPolicy.approvalRouting }),
          },
        }),
      },
    }),
  ),
  Team: documentOf("Team", teamSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({
      kind: "Team",
      resource: {
        name: m.name,
        members: spec.members,
        ...(spec.slackUserGroup && { slackUserGroup: spec.slackUserGroup }),
      },
    }),
  ),
  Role: documentOf("Role", roleSpec).transform(
    ({ metadata: m, spec }): ParsedDocument => ({ kind: "Role", resource: { name: m.name, ...spec } }),
  ),
  // An Agent is its metadata; spec is optional and has no fields yet.
  Agent: documentOf("Agent", z.strictObject({}).optional()).transform(
    ({ metadata: m }): ParsedDocument => ({ kind: "Agent", resource: { name: m.name, labels: m.labels } }),
  ),
};
