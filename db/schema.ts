// The drizzle schema. Migrations in db/migrations are generated from it (npm run db:generate) and committed;
// a migration is never edited once committed. Triggers live in hand-written migrations beside them.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** API keys, stored as a SHA-256 of the key; the key itself is shown once. */
export const apiKeys = pgTable("api_keys", {
  id: text("id").primaryKey(),
  kind: text("kind").$type<"agent" | "operator" | "admin">().notNull(),
  /** The agent name, the operator's email, or "admin". */
  subject: text("subject").notNull(),
  keyHash: text("key_hash").notNull().unique(),
  createdAt: ts("created_at").notNull().defaultNow(),
  revokedAt: ts("revoked_at"),
  /** Refused from this moment on; null: never expires. */
  expiresAt: ts("expires_at"),
  /** Roughly when the key was last used: written at most once a minute, not on every request. */
  lastUsedAt: ts("last_used_at"),
});

/** One row per agent tool call through the gateway. */
export const toolCalls = pgTable(
  "tool_calls",
  {
    id: text("id").primaryKey(),
    agent: text("agent").notNull(),
    tool: text("tool").notNull(),
    input: jsonb("input").notNull(),
    /** SHA-256 of the canonical request body, to tell a replay from a reused idempotency key. */
    requestHash: text("request_hash").notNull(),
    idempotencyKey: text("idempotency_key"),
    /**
     * Identical calls attach to each other (MCP calls without an idempotency key): the request hash. One
     * such call per agent and key may wait for approval at a time; repeats find it, or its recent outcome.
     */
    repeatKey: text("repeat_key"),
    status: text("status").notNull(),
    /** Why a call is denied or failed: policy, rejected, timeout, no_route, no_policy, … */
    reason: text("reason"),
    policy: text("policy"),
    rule: integer("rule"),
    approvalId: text("approval_id"),
    /** What the agent asked for, when an approver changed the input before approving; `input` then ran. */
    originalInput: jsonb("original_input"),
    result: jsonb("result"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    /** While executing: past this moment the process running the call is presumed dead. */
    leaseUntil: ts("lease_until"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("tool_calls_idempotency").on(t.agent, t.idempotencyKey),
    index("tool_calls_status").on(t.status),
    uniqueIndex("tool_calls_one_pending_repeat")
      .on(t.agent, t.repeatKey)
      .where(sql`status = 'waiting_for_approval' AND repeat_key IS NOT NULL`),
    index("tool_calls_repeats").on(t.agent, t.repeatKey, t.createdAt).where(sql`repeat_key IS NOT NULL`),
  ],
);

/** An approval request. Only handlers/ change it, always with a conditional UPDATE. */
export const approvals = pgTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    status: text("status").$type<"pending" | "approved" | "rejected" | "expired">().notNull(),
    agent: text("agent").notNull(),
    tool: text("tool"),
    action: text("action").notNull(),
    toolCallId: text("tool_call_id"),
    input: jsonb("input").notNull().default({}),
    context: jsonb("context").notNull().default({}),
    risk: text("risk"),
    policy: text("policy"),
    rule: integer("rule"),
    /** Resolved approvers (emails) at creation time; membership changes later do not widen it. */
    approvers: jsonb("approvers").$type<string[]>().notNull(),
    /** Approver references as written in the policy (team:x, user:y), for display. */
    approverRefs: jsonb("approver_refs").$type<string[]>().notNull(),
    /** Slack user groups whose members may also decide (a Team's slackUserGroup). */
    approverSlackGroups: jsonb("approver_slack_groups").$type<string[]>().notNull().default([]),
    channels: jsonb("channels").$type<string[]>().notNull(),
    rationaleRequired: boolean("rationale_required").notNull().default(true),
    timeoutMinutes: jsonb("timeout_minutes").$type<number>().notNull(),
    slaAtRiskAt: ts("sla_at_risk_at").notNull(),
    slaBreachAt: ts("sla_breach_at").notNull(),
    /** Last SLA state the sweeper recorded; the live state is computed from the clock. */
    slaState: text("sla_state").notNull().default("on_track"),
    /** When the first escalation level fired. */
    escalatedAt: ts("escalated_at"),
    /** The escalation levels, resolved at creation, in the order they fire. */
    escalations: jsonb("escalations").$type<StoredEscalation[]>().notNull().default([]),
    /** How many levels have fired; advanced only by a conditional UPDATE, so each fires once. */
    escalationLevel: integer("escalation_level").notNull().default(0),
    /** When the next level is due; null when none is left. */
    nextEscalationAt: ts("next_escalation_at"),
    /** Re-notify the approvers who have not acted this often (minutes); null: never. */
    remindEveryMinutes: jsonb("remind_every_minutes").$type<number | null>(),
    /** When the next reminder is due; moved on by a conditional UPDATE, so each goes out once. */
    nextReminderAt: ts("next_reminder_at"),
    /** The person the agent acts for (separation of duties: never its approver). */
    requestedBy: text("requested_by"),
    /** Distinct approvers needed to approve (quorum); the first rejection rejects. */
    requiredApprovals: integer("required_approvals").notNull().default(1),
    /** The rule lets an approver approve with a changed input (require.edits: allowed). */
    editsAllowed: boolean("edits_allowed").notNull().default(false),
    /** What the agent asked for, once an approver changed it; `input` then holds what was approved. */
    originalInput: jsonb("original_input"),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    decidedAt: ts("decided_at"),
  },
  (t) => [
    index("approvals_status_expires").on(t.status, t.expiresAt),
    // Per agent, newest last: the queue filtered by agent, and the per-minute creation limit.
    index("approvals_agent_created").on(t.agent, t.createdAt),
    index("approvals_created").on(t.createdAt),
    index("approvals_escalation_due").on(t.nextEscalationAt).where(sql`status = 'pending'`),
    index("approvals_reminder_due").on(t.nextReminderAt).where(sql`status = 'pending'`),
  ],
);

/** One resolved escalation level as an approval stores it. */
export interface StoredEscalation {
  /** ISO time the level fires. */
  at: string;
  /** Emails of the people escalated to. */
  to: string[];
  channels: string[];
}

/**
 * Each approver's approval of an approval that needs several (quorum), one row per person: the primary
 * key refuses a second from the same approver, and the database refuses UPDATE and DELETE.
 */
export const signOffs = pgTable(
  "sign_offs",
  {
    approvalId: text("approval_id")
      .notNull()
      .references(() => approvals.id),
    decidedBy: text("decided_by").notNull(),
    decidedAt: ts("decided_at").notNull(),
    via: text("via").notNull(),
    rationale: text("rationale").notNull(),
  },
  (t) => [primaryKey({ columns: [t.approvalId, t.decidedBy] })],
);

/** The decision on an approval: at most one, and the database refuses UPDATE and DELETE. */
export const decisions = pgTable("decisions", {
  approvalId: text("approval_id")
    .primaryKey()
    .references(() => approvals.id),
  decision: text("decision").$type<"approve" | "reject">().notNull(),
  kind: text("kind").$type<"human" | "override" | "timeout">().notNull(),
  via: text("via").notNull(),
  decidedBy: text("decided_by").notNull(),
  decidedAt: ts("decided_at").notNull(),
  rationale: text("rationale").notNull(),
  grantBy: text("grant_by"),
  /** The approver changed the input before approving (approvals.original_input holds what was asked). */
  edited: boolean("edited").notNull().default(false),
});

/** Append-only, hash-chained audit log; the database refuses UPDATE and DELETE. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: ts("at").notNull(),
    type: text("type").notNull(),
    approvalId: text("approval_id"),
    actor: text("actor").notNull(),
    data: jsonb("data").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [index("audit_events_approval").on(t.approvalId)],
);

/**
 * Outbox of chat and email messages: one row per posted copy of a card (and per escalation or notice).
 * Rows are claimed with FOR UPDATE SKIP LOCKED, so any replica may deliver and none delivers twice.
 */
export const deliveries = pgTable(
  "deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    approvalId: text("approval_id").notNull(),
    /** card (the approval card, updated in place), escalation, notice (override announcement), reminder. */
    purpose: text("purpose").$type<"card" | "escalation" | "notice" | "reminder">().notNull(),
    platform: text("platform").$type<"slack" | "teams" | "email">().notNull(),
    /** As routed: slack:#billing-approvals, teams:…, email:… */
    channel: text("channel").notNull(),
    /** Resolved target: Slack channel id, Teams conversation id, email address. */
    target: text("target"),
    /** Platform reference of the posted message (Slack ts, Teams activity id, email Message-ID). */
    messageRef: text("message_ref"),
    /** pending → posted; failed after the last attempt (error says why). */
    status: text("status").$type<"pending" | "posted" | "failed">().notNull(),
    /** The approval version the platform shows; below `wantVersion` an update is due. */
    shownVersion: integer("shown_version").notNull().default(0),
    wantVersion: integer("want_version").notNull().default(1),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    error: text("error"),
    extra: jsonb("extra").notNull().default({}),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("deliveries_approval").on(t.approvalId),
    index("deliveries_due")
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending' OR (status = 'posted' AND shown_version < want_version)`),
  ],
);

/**
 * Signed checkpoints of the audit chain's head: an Ed25519 signature, by a key kept outside the database,
 * over (eventId, headHash, at). Anyone who can rewrite audit_events cannot forge one, so a rewritten or
 * cut-off event before the newest checkpoint is caught by verify. Immutable like the ledger (0008).
 */
export const auditCheckpoints = pgTable("audit_checkpoints", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  at: ts("at").notNull(),
  /** The newest audit event the signature covers, and its hash. */
  eventId: bigint("event_id", { mode: "number" }).notNull(),
  headHash: text("head_hash").notNull(),
  /** Which key signed: the first 16 hex digits of SHA-256 over its SPKI DER. */
  keyId: text("key_id").notNull(),
  /** The signer's public key (PEM), carried for exports; verify trusts only the keys it is given. */
  publicKey: text("public_key").notNull(),
  signature: text("signature").notNull(),
});

/**
 * Web console sessions: a random token in an HttpOnly cookie, stored as its SHA-256. Every replica reads
 * the row on every request, so signing out (ended_at) or expiry holds everywhere at once.
 */
export const consoleSessions = pgTable(
  "console_sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    /** The signed-in person: they act as this email, with this operator's rights. */
    email: text("email").notNull(),
    /** How they signed in: link (one-time link), oidc. */
    method: text("method").notNull(),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    endedAt: ts("ended_at"),
  },
  (t) => [index("console_sessions_expires").on(t.expiresAt)],
);

/** One-time sign-in links for the console, stored as the token's SHA-256; used once, within 15 minutes. */
export const consoleLinks = pgTable("console_links", {
  tokenHash: text("token_hash").primaryKey(),
  email: text("email").notNull(),
  createdAt: ts("created_at").notNull(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
});
