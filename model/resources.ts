// The resource model: the loaded, validated resources as the rest of the product sees them (the gateway
// judges calls by them, the domain finds Roles and Teams in them). The YAML shapes, and every alias the
// YAML accepts, are the loader's business (gateway/resources/); these are the normalised forms.

export const SIDE_EFFECT_LEVELS = [
  "read_only",
  "local_write",
  "external_write",
  "financial",
  "communication",
  "code_execution",
  "privileged",
] as const;
export type SideEffectLevel = (typeof SIDE_EFFECT_LEVELS)[number];

export interface ToolResource {
  name: string;
  type: "rest" | "decision";
  endpoint?: { url: string; method: string; headers: Record<string, string>; timeoutMs: number };
  sideEffects: { level: SideEffectLevel; idempotent: boolean; requiresApproval: boolean };
  inputSchema?: Record<string, unknown>;
}

/** A person who may approve or override: always named by email in the API. */
export interface Person {
  email: string;
  /** Slack user id (U…). */
  slack?: string;
  /** Teams AAD object id. */
  teams?: string;
}

export interface TeamResource {
  name: string;
  members: Person[];
  /** Slack user group id (S…) whose members also belong to the team, resolved from Slack. */
  slackUserGroup?: string;
}

export interface RoleResource {
  name: string;
  grants: string[];
  members: Person[];
  maxOverridesPerDay: number;
  /** Channels told of every override made under the role. */
  notify: string[];
  /** Members may override to approve a request they asked for themselves (default false). */
  allowSelfOverride: boolean;
}

export interface AgentResource {
  name: string;
  labels: Record<string, string>;
}

/** One escalation level: after this long, these people and channels are told (once). */
export interface EscalationLevel {
  afterMinutes: number;
  /** team:… / user:… references. */
  to: string[];
  channels: string[];
}

export interface SlaRouting {
  atRiskAfterMinutes: number;
  breachAfterMinutes: number;
  /** The single form: one escalation at breachAfterMinutes (team:… / user:… references). */
  escalateTo: string[];
  escalationChannels: string[];
  /** Escalation levels, in the order they fire; never given together with the single form. */
  escalation: EscalationLevel[];
  /** Re-notify the approvers who have not acted this often. */
  remindEveryMinutes?: number | undefined;
}

export interface RoutingSpec {
  /** team:… / user:… references, as written. */
  approvers: string[];
  channels: string[];
  timeoutMinutes: number;
  onTimeout: "deny";
  rationale: "required" | "optional";
  /** Distinct approvers who must approve (quorum); 1 by default. */
  minApprovals: number;
  /** Whether an approver may approve with a changed input (require.edits). */
  edits: "allowed" | "forbidden";
  sla: SlaRouting;
}

export interface PolicyResource {
  name: string;
  /** Agent names, or a label selector; both absent means every agent. */
  appliesTo: { agents?: string[]; matchLabels?: Record<string, string> };
  rules: PolicyRule[];
  toolPolicy?: {
    default?: "allow" | "deny";
    allow: string[];
    requireApproval: string[];
    /** Routing for the requireApproval names (toolPolicy.approvalRouting); without it they get no_route. */
    routing?: RoutingSpec;
  };
}

export type Comparison =
  | { eq: unknown }
  | { ne: unknown }
  | { gt: number }
  | { gte: number }
  | { lt: number }
  | { lte: number }
  | { in: unknown[] }
  | { matches: string };

export interface PolicyRule {
  /** Keys such as tool.sideEffect, tool.name (glob), tool.idempotent, agent.name, input.<path>. */
  when: Record<string, unknown>;
  action: "allow" | "deny" | "require";
  /** With action "require". */
  routing?: RoutingSpec;
}

export interface ResourceSet {
  tools: Map<string, ToolResource>;
  policies: PolicyResource[];
  teams: Map<string, TeamResource>;
  roles: Map<string, RoleResource>;
  agents: Map<string, AgentResource>;
}
