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

export interface SideEffects {
  level: SideEffectLevel;
  idempotent: boolean;
  requiresApproval: boolean;
}

export interface ToolResource {
  name: string;
  /** rest: an HTTP call; decision: approval only; mcp: a tool of an McpServer, called through its client. */
  type: "rest" | "decision" | "mcp";
  endpoint?: { url: string; method: string; headers: Record<string, string>; timeoutMs: number };
  /** For type mcp: which server's tool it is (the Tool is named SERVER.TOOL). */
  mcp?: McpToolBinding;
  sideEffects: SideEffects;
  inputSchema?: Record<string, unknown>;
}

export interface McpToolBinding {
  server: string;
  /** The tool's name on its server, as agents call it there. */
  tool: string;
  timeoutMs: number;
  /** Where the side effects came from: the McpServer's spec.tools entry, or the server's annotations. */
  classifiedBy: "override" | "annotations";
}

/** An MCP server Countersign fronts at /mcp/NAME (CONTRACT.md section 8). */
export interface McpServerResource {
  name: string;
  transport:
    | { type: "stdio"; command: string; args: string[]; env: Record<string, string>; cwd?: string }
    | { type: "http"; url: string; headers: Record<string, string> };
  /** spec.tools: per upstream tool name, what wins over the server's annotations. */
  tools: Record<string, McpToolOverride>;
  /** A tools/call the server has not answered in this long is given up (outcome_unknown unless idempotent). */
  timeoutMs: number;
  /** How long a call waits for the server to (re)connect before it is told the server is unavailable. */
  connectTimeoutMs: number;
}

export interface McpToolOverride {
  sideEffects?: SideEffects;
  timeoutMs?: number;
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
  mcpServers: Map<string, McpServerResource>;
}
