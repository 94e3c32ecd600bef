// The shapes the API answers with, as zod schemas for GET /openapi.json. Each is declared against its
// type in sdk/types.ts (the wire contract), so the compiler refuses a schema that drifts from the type;
// and test/integration/openapi.test.ts validates real answers of the running server against the document.
// Objects are open (more fields may be added, CONTRACT.md §3), so a new field never breaks a client.
import { z } from "zod";
import { ERROR_STATUS } from "../../handlers/errors.ts";
import type {
  ApiKey,
  ApiKeyPage,
  Approval,
  ApprovalPage,
  AuditCheckpoint,
  AuditEvent,
  AuditExport,
  AuditPage,
  AuditVerification,
  BulkDecideResult,
  CreatedKey,
  Decision,
  Delivery,
  ErrorCode,
  McpServerView,
  ToolCall,
} from "../../sdk/types.ts";

const instant = z.string().meta({ description: "an ISO 8601 instant", format: "date-time" });
const nullable = <T extends z.ZodType>(s: T) => s.nullable();

export const decisionShape = z
  .looseObject({
    decision: z.enum(["approve", "reject"]),
    kind: z.enum(["human", "override", "timeout"]),
    via: z.string(),
    decidedBy: z.string(),
    decidedAt: instant,
    rationale: z.string(),
    grantBy: nullable(z.string()),
    edited: z.boolean(),
  })
  .meta({ id: "Decision" }) satisfies z.ZodType<Decision>;

const deliveryShape = z
  .looseObject({
    channel: z.string(),
    platform: z.enum(["slack", "teams", "email"]),
    purpose: z.enum(["card", "escalation", "notice", "reminder"]),
    status: z.enum(["pending", "posted", "failed"]),
    target: nullable(z.string()),
    attempts: z.number().int(),
    error: nullable(z.string()),
    updateDue: z.boolean(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Delivery" }) satisfies z.ZodType<Delivery>;

export const approvalShape = z
  .looseObject({
    id: z.string(),
    status: z.enum(["pending", "approved", "rejected", "expired"]),
    agent: z.string(),
    tool: nullable(z.string()),
    action: z.string(),
    toolCallId: nullable(z.string()),
    input: z.unknown(),
    originalInput: z.unknown(),
    context: z.unknown(),
    requestedBy: nullable(z.string()),
    risk: nullable(z.string()),
    policy: nullable(z.string()),
    rule: nullable(z.number().int()),
    approvers: z.array(z.string()),
    approverRefs: z.array(z.string()),
    channels: z.array(z.string()),
    rationaleRequired: z.boolean(),
    editsAllowed: z.boolean(),
    requiredApprovals: z.number().int(),
    approvals: z.array(
      z.looseObject({ decidedBy: z.string(), decidedAt: instant, via: z.string(), rationale: z.string() }),
    ),
    createdAt: instant,
    expiresAt: instant,
    slaAtRiskAt: instant,
    slaBreachAt: instant,
    sla: z.enum(["on_track", "at_risk", "breached", "expired"]),
    escalatedAt: nullable(instant),
    escalations: z.array(
      z.looseObject({
        at: instant,
        to: z.array(z.string()),
        channels: z.array(z.string()),
        fired: z.boolean(),
      }),
    ),
    nextReminderAt: nullable(instant),
    decision: nullable(decisionShape),
    deliveries: z.array(deliveryShape).optional(),
  })
  .meta({ id: "Approval" }) satisfies z.ZodType<Approval>;

export const approvalPageShape = z.looseObject({
  items: z.array(approvalShape),
  nextCursor: nullable(z.string()),
}) satisfies z.ZodType<ApprovalPage>;

export const bulkDecideShape = z.looseObject({
  results: z.array(
    z.looseObject({
      id: z.string(),
      outcome: z.enum([
        "decided",
        "counted",
        "already_decided",
        "already_approved_by_you",
        "not_an_approver",
        "self_approval",
        "not_found",
        "rationale_required",
      ]),
      message: z.string().optional(),
    }),
  ),
}) satisfies z.ZodType<BulkDecideResult>;

export const toolCallShape = z
  .looseObject({
    id: z.string(),
    status: z.enum(["waiting_for_approval", "executing", "denied", "succeeded", "failed", "outcome_unknown"]),
    agent: z.string(),
    tool: z.string(),
    input: z.unknown(),
    originalInput: z.unknown(),
    result: z.unknown(),
    error: nullable(z.string()),
    reason: nullable(z.string()),
    policy: nullable(z.string()),
    rule: nullable(z.number().int()),
    approvalId: nullable(z.string()),
    attempts: z.number().int(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "ToolCall" }) satisfies z.ZodType<ToolCall>;

const auditEventShape = z
  .looseObject({
    id: z.number().int(),
    at: instant,
    type: z.string(),
    approvalId: nullable(z.string()),
    actor: z.string(),
    data: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditEvent" }) satisfies z.ZodType<AuditEvent>;

export const auditPageShape = z.looseObject({
  items: z.array(auditEventShape),
  nextCursor: nullable(z.string()),
}) satisfies z.ZodType<AuditPage>;

export const auditVerificationShape = z.looseObject({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBadEventId: z.number().int().optional(),
  checkpoints: z.number().int().optional(),
  signedThrough: z.number().int().optional(),
  unsignedEvents: z.number().int().optional(),
  problems: z.array(z.string()).optional(),
}) satisfies z.ZodType<AuditVerification>;

const auditCheckpointShape = z
  .looseObject({
    id: z.number().int(),
    at: instant,
    eventId: z.number().int(),
    headHash: z.string(),
    keyId: z.string(),
    publicKey: z.string(),
    signature: z.string(),
  })
  .meta({ id: "AuditCheckpoint" }) satisfies z.ZodType<AuditCheckpoint>;

export const auditExportShape = z.looseObject({
  format: z.literal("countersign.audit-export.v1"),
  exportedAt: instant,
  publicKey: z.string(),
  keyId: z.string(),
  events: z.array(auditEventShape),
  checkpoints: z.array(auditCheckpointShape),
}) satisfies z.ZodType<AuditExport>;

export const auditPublicKeyShape = z.looseObject({ keyId: z.string(), publicKey: z.string() });

export const createdKeyShape = z.looseObject({
  id: z.string(),
  key: z.string(),
  kind: z.enum(["agent", "operator"]),
  subject: z.string(),
  expiresAt: nullable(instant),
}) satisfies z.ZodType<CreatedKey>;

export const apiKeyShape = z
  .looseObject({
    id: z.string(),
    kind: z.enum(["agent", "operator", "admin"]),
    agent: nullable(z.string()),
    operator: nullable(z.string()),
    status: z.enum(["active", "expired", "revoked"]),
    createdAt: instant,
    lastUsedAt: nullable(instant),
    expiresAt: nullable(instant),
    revokedAt: nullable(instant),
  })
  .meta({ id: "ApiKey" }) satisfies z.ZodType<ApiKey>;

export const apiKeyPageShape = z.looseObject({
  items: z.array(apiKeyShape),
  nextCursor: nullable(z.string()),
}) satisfies z.ZodType<ApiKeyPage>;

export const mcpServerShape = z
  .looseObject({
    name: z.string(),
    transport: z.string(),
    status: z.enum(["connecting", "connected", "unavailable", "stopped"]),
    error: nullable(z.string()),
    since: instant,
    restarts: z.number().int(),
    server: nullable(z.looseObject({ name: z.string(), version: z.string() })),
    tools: z.array(
      z.looseObject({
        name: z.string(),
        tool: z.string(),
        sideEffects: z.looseObject({
          level: z.string(),
          idempotent: z.boolean(),
          requiresApproval: z.boolean(),
        }),
        classifiedBy: z.enum(["override", "annotations"]),
        hints: z.looseObject({
          readOnlyHint: z.boolean().optional(),
          destructiveHint: z.boolean().optional(),
          idempotentHint: z.boolean().optional(),
        }),
      }),
    ),
    unknownOverrides: z.array(z.string()),
  })
  .meta({ id: "McpServer" }) satisfies z.ZodType<McpServerView>;

export const mcpServerPageShape = z.looseObject({ items: z.array(mcpServerShape) });

/** Every code a status may carry, from the one table that maps codes to statuses. */
export function codesOfStatus(status: number): ErrorCode[] {
  return (Object.keys(ERROR_STATUS) as ErrorCode[]).filter((code) => ERROR_STATUS[code] === status);
}

/** The error body ({"error": {code, message, …details}}) with the codes a response may carry. */
export function errorShape(codes: readonly string[]) {
  return z.object({
    error: z.looseObject({
      code: z.enum(codes as [string, ...string[]]),
      message: z.string(),
    }),
  });
}
