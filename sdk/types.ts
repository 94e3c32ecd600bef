// The shapes the Countersign API answers with (CONTRACT.md section 3): the one definition of the wire
// contract. The server's presenters are checked against these types when it compiles, and the CLI reads
// the API through them, so the SDK, the server and the CLI cannot drift apart. More fields may appear.

export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired";
/** Computed from the clock: on_track, then at_risk and breached at the SLA times, expired at expiresAt. */
export type SlaState = "on_track" | "at_risk" | "breached" | "expired";
export type DecisionValue = "approve" | "reject";

export interface Decision {
  decision: DecisionValue;
  /** human: a routed approver; override: break-glass under a Role; timeout: nobody decided in time. */
  kind: "human" | "override" | "timeout";
  /** Where it was decided: slack, teams, email, api, cli, web, sweeper. */
  via: string;
  /** The approver's email (or countersign-sweeper for a timeout). */
  decidedBy: string;
  decidedAt: string;
  rationale: string;
  /** The Role an override was made under. */
  grantBy: string | null;
  /** The approver changed the input before approving: the approval's `originalInput` is what was asked. */
  edited: boolean;
}

/** One approver's approval of an approval that needs several (quorum); recorded once, never changed. */
export interface SignOff {
  decidedBy: string;
  decidedAt: string;
  /** Where it was given: slack, teams, email, api, cli, web. */
  via: string;
  rationale: string;
}

/** One escalation level of an approval, resolved when it was created. */
export interface Escalation {
  /** When it fires (or fired). */
  at: string;
  /** The people it tells (emails). */
  to: string[];
  channels: string[];
  fired: boolean;
}

export interface Approval {
  id: string;
  status: ApprovalStatus;
  agent: string;
  /** The Tool of a gateway call; null for an approval the agent asked for itself (requireApproval). */
  tool: string | null;
  action: string;
  toolCallId: string | null;
  /** What is to run: the agent's input, or the approver's edit of it once approved with edits. */
  input: unknown;
  /** What the agent asked for, when an approver changed it; null otherwise. */
  originalInput: unknown;
  context: unknown;
  /** The person the agent acts for (requestedBy); they can never approve it. */
  requestedBy: string | null;
  risk: string | null;
  policy: string | null;
  rule: number | null;
  /** Emails of everyone who may decide, resolved when the approval was created. */
  approvers: string[];
  /** The approver references as the policy wrote them (team:…, user:…). */
  approverRefs: string[];
  channels: string[];
  rationaleRequired: boolean;
  /** An approver may approve with a changed input (the rule's edits: allowed). */
  editsAllowed: boolean;
  /** Distinct approvers who must approve (quorum); the first rejection rejects. */
  requiredApprovals: number;
  /** The approvals given so far, oldest first; `decision` stays null until they reach requiredApprovals. */
  approvals: SignOff[];
  createdAt: string;
  expiresAt: string;
  slaAtRiskAt: string;
  slaBreachAt: string;
  sla: SlaState;
  /** When the first escalation level fired; null while none has. */
  escalatedAt: string | null;
  /** The escalation levels, in the order they fire. */
  escalations: Escalation[];
  /** When the approvers who have not acted are reminded next; null when no reminder is due. */
  nextReminderAt: string | null;
  decision: Decision | null;
  /** Where the card went and how each copy fared: only for operator and admin keys, on GET of one approval. */
  deliveries?: Delivery[];
}

/** One message of an approval: a posted copy of its card, an escalation, a reminder, an override notice. */
export interface Delivery {
  channel: string;
  platform: "slack" | "teams" | "email";
  purpose: "card" | "escalation" | "notice" | "reminder";
  status: "pending" | "posted" | "failed";
  /** The resolved destination (Slack channel id, Teams conversation, email address). */
  target: string | null;
  attempts: number;
  error: string | null;
  /** True when the posted copy still shows an older state of the approval (an update is due). */
  updateDue: boolean;
  createdAt: string;
  updatedAt: string;
}

/** GET /v1/approvals. */
export interface ApprovalPage {
  items: Approval[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export type BulkOutcome =
  | "decided"
  /** An approval counted toward a quorum that still needs more. */
  | "counted"
  | "already_decided"
  | "already_approved_by_you"
  | "not_an_approver"
  | "self_approval"
  | "not_found"
  | "rationale_required";

/** POST /v1/approvals/bulk-decide: one result per id, in the order asked. */
export interface BulkDecideResult {
  results: { id: string; outcome: BulkOutcome; message?: string }[];
}

export type ToolCallStatus =
  | "waiting_for_approval"
  | "executing"
  | "denied"
  | "succeeded"
  | "failed"
  | "outcome_unknown";

export interface ToolCall<Result = unknown> {
  id: string;
  status: ToolCallStatus;
  agent: string;
  tool: string;
  /** What the tool is (or was) called with: the approver's edit, when they changed it. */
  input: unknown;
  /** What the agent asked for, when an approver changed the input before approving; null otherwise. */
  originalInput: unknown;
  /** The tool's answer (parsed JSON or text); for a failed HTTP call {status, body}. */
  result: Result;
  error: string | null;
  /** Why it was denied, failed or ended unknown: policy, no_policy, no_route, rejected, timeout, … */
  reason: string | null;
  policy: string | null;
  rule: number | null;
  approvalId: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** A tool call that ran: the tool answered (succeeded or failed), or it may have acted (outcome_unknown). */
export type SettledToolCall<Result = unknown> = ToolCall<Result> & {
  status: "succeeded" | "failed" | "outcome_unknown";
};

/** One event of the hash-chained audit log (GET /v1/audit, admin key). */
export interface AuditEvent {
  id: number;
  at: string;
  type: string;
  approvalId: string | null;
  actor: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

/** GET /v1/audit/verify: the chain recomputed; the first event whose hash or link does not hold. */
export interface AuditVerification {
  ok: boolean;
  /** Events whose hash and link hold, oldest first, up to the first bad one. */
  checked: number;
  firstBadEventId?: number;
  /** Signed checkpoints of the chain's head found (GET /v1/audit/verify and the offline check). */
  checkpoints?: number;
  /** The newest event a trusted signature vouches for (0: none yet). */
  signedThrough?: number;
  /** Events after it, vouched for by the chain alone until the next checkpoint. */
  unsignedEvents?: number;
  /** Each problem found, in words: which event or checkpoint, and what does not hold. */
  problems?: string[];
}

/** One signed checkpoint of the audit chain's head (Ed25519 over eventId, headHash and at). */
export interface AuditCheckpoint {
  id: number;
  at: string;
  eventId: number;
  headHash: string;
  keyId: string;
  publicKey: string;
  signature: string;
}

/** POST /v1/audit/export: everything a third party needs, with the public key, to check the log offline. */
export interface AuditExport {
  format: "countersign.audit-export.v1";
  exportedAt: string;
  /** The server's signing key (PEM); the verifier must compare it with one obtained independently. */
  publicKey: string;
  keyId: string;
  events: AuditEvent[];
  checkpoints: AuditCheckpoint[];
}

/** POST /v1/keys: the key is shown this once. */
export interface CreatedKey {
  /** The key's id (for GET /v1/keys and DELETE /v1/keys/{id}); not the key. */
  id: string;
  key: string;
  kind: "agent" | "operator";
  subject: string;
  expiresAt: string | null;
}

/** GET /v1/keys: what is known of a key. Never the key itself, nor its hash. */
export interface ApiKey {
  id: string;
  kind: "agent" | "operator" | "admin";
  /** The Agent an agent key is bound to; null for other kinds. */
  agent: string | null;
  /** The person (email) an operator key acts as; null for other kinds. */
  operator: string | null;
  status: "active" | "expired" | "revoked";
  createdAt: string;
  /** Roughly when it was last used (kept to the minute); null if never. */
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyPage {
  items: ApiKey[];
  nextCursor: string | null;
}

/** Every code an API error may carry. */
export type ErrorCode =
  | "bad_request"
  | "invalid_json"
  | "unauthorized"
  | "forbidden"
  | "denied"
  | "not_an_approver"
  | "self_approval"
  | "not_permitted"
  | "not_found"
  | "unknown_tool"
  | "already_decided"
  | "already_approved_by_you"
  | "payload_too_large"
  | "invalid_input"
  | "edits_not_allowed"
  | "rationale_required"
  | "reason_required"
  | "no_route"
  | "idempotency_key_reused"
  | "override_limit"
  | "rate_limited"
  | "internal"
  | "unavailable";

/** GET /v1/mcp/servers: an McpServer Countersign fronts at /mcp/NAME, as the answering replica sees it. */
export interface McpServerView {
  name: string;
  /** How it is reached, without secrets: "stdio: node billing-mcp.js", "http: https://mcp.example.com/mcp". */
  transport: string;
  status: "connecting" | "connected" | "unavailable" | "stopped";
  /** Why it is unavailable (or why the last attempt failed while connecting). */
  error: string | null;
  /** When the status began. */
  since: string;
  /** Connections lost and made again since start-up. */
  restarts: number;
  /** The server's own name and version, once connected. */
  server: { name: string; version: string } | null;
  /** Its tools as Countersign Tools; the last known list while it is unavailable. */
  tools: McpToolView[];
  /** spec.tools entries naming a tool the server does not list. */
  unknownOverrides: string[];
}

/** A tool of an McpServer and how it was classified (CONTRACT.md section 8). */
export interface McpToolView {
  /** SERVER.TOOL, as policies name it. */
  name: string;
  /** As the server names it (and agents call it at /mcp/SERVER). */
  tool: string;
  sideEffects: { level: string; idempotent: boolean; requiresApproval: boolean };
  /** override: the McpServer's spec.tools entry; annotations: the server's hints, read fail-safe. */
  classifiedBy: "override" | "annotations";
  /** The server's hints as it gave them. */
  hints: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean };
}

/** Every refusal: the code, a message for people, and details (already_decided carries `decision`). */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; [detail: string]: unknown };
}

export interface ClientOptions {
  /** Default: COUNTERSIGN_URL, else http://127.0.0.1:8080. */
  baseUrl?: string | undefined;
  /** An agent key. Default: COUNTERSIGN_KEY. */
  apiKey?: string | undefined;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Pause before the next long-poll round after a network or server error (ms). Default 1000. */
  pollIntervalMs?: number | undefined;
}

export interface RequireApprovalOptions extends ClientOptions, WaitOptions {
  /** Shown to the approver; policies see it as input.<path>. */
  context?: Record<string, unknown> | undefined;
  /** The email of the person the agent acts for: they can never approve it themselves. */
  requestedBy?: string | undefined;
  /** Expire sooner than the policy's timeoutMinutes (never later). */
  timeoutMs?: number | undefined;
}

export interface CallToolOptions extends WaitOptions {
  /** The same key with the same tool and input returns the first call instead of making another. */
  idempotencyKey?: string | undefined;
  /** The email of the person the agent acts for: they can never approve the call themselves. */
  requestedBy?: string | undefined;
}
