// Creating an approval: the row, one card per routed channel queued in the outbox (posted by the
// notifiers, so a slow or failing platform never holds the approval up), and the audit event, in the
// caller's transaction.

import { notifyChanged } from "../../db/notify.ts";
import type { Tx } from "../../db/open.ts";
import { approvals } from "../../db/schema.ts";
import type { ResolvedRouting } from "../../model/routing.ts";
import { enqueue } from "../../outbox/enqueue.ts";
import { appendAudit } from "../audit.ts";
import { APPROVAL_CHANGED } from "../channels.ts";
import type { ApprovalRow } from "./present.ts";

export interface NewApproval {
  id: string;
  agent: string;
  tool: string | null;
  action: string;
  toolCallId: string | null;
  input: unknown;
  context: unknown;
  risk: string | null;
  policy: string | null;
  rule: number | null;
  routing: ResolvedRouting;
  /** A shorter expiry asked for by the agent (the SDK's timeoutMs); never longer than the policy's. */
  timeoutMs?: number | undefined;
  /** The email of the person the agent acts for, who may never approve it. */
  requestedBy?: string | null | undefined;
}

const MINUTE = 60_000;

export async function insertApproval(tx: Tx, a: NewApproval, now: Date): Promise<ApprovalRow> {
  const { routing } = a;
  const policyMs = routing.timeoutMinutes * MINUTE;
  const timeoutMs = a.timeoutMs !== undefined ? Math.min(a.timeoutMs, policyMs) : policyMs;
  // SLA thresholds are set for the policy's timeout; a shorter expiry scales them with it.
  const scale = timeoutMs / policyMs;
  const at = (minutes: number) => new Date(now.getTime() + minutes * MINUTE * scale);
  const escalations = routing.sla.levels.map((level) => ({
    at: at(level.afterMinutes).toISOString(),
    to: level.to,
    channels: level.channels,
  }));
  const remind = routing.sla.remindEveryMinutes;

  const [row] = await tx
    .insert(approvals)
    .values({
      id: a.id,
      status: "pending",
      agent: a.agent,
      tool: a.tool,
      action: a.action,
      toolCallId: a.toolCallId,
      input: a.input ?? {},
      context: a.context ?? {},
      risk: a.risk,
      policy: a.policy,
      rule: a.rule,
      approvers: routing.approvers,
      approverRefs: routing.approverRefs,
      approverSlackGroups: routing.approverSlackGroups,
      channels: routing.channels,
      rationaleRequired: routing.rationaleRequired,
      timeoutMinutes: timeoutMs / MINUTE,
      slaAtRiskAt: at(routing.sla.atRiskAfterMinutes),
      slaBreachAt: at(routing.sla.breachAfterMinutes),
      escalations,
      nextEscalationAt: escalations[0] ? new Date(escalations[0].at) : null,
      remindEveryMinutes: remind,
      // Reminders keep the policy's pace whatever the expiry: they are about people, not the deadline.
      nextReminderAt: remind === null ? null : new Date(now.getTime() + remind * MINUTE),
      requestedBy: a.requestedBy?.toLowerCase() ?? null,
      requiredApprovals: routing.requiredApprovals,
      editsAllowed: routing.editsAllowed,
      createdAt: now,
      expiresAt: new Date(now.getTime() + timeoutMs),
    })
    .returning();

  await enqueue(
    tx,
    routing.channels.map((channel) => ({ approvalId: a.id, purpose: "card", channel })),
    now,
  );
  // Open console pages show the new row at once (bot/web/feed.ts); waiters on other ids are not woken.
  await notifyChanged(tx, APPROVAL_CHANGED, [a.id]);
  await appendAudit(tx, {
    type: "approval.created",
    approvalId: a.id,
    actor: `agent:${a.agent}`,
    at: now,
    data: {
      action: a.action,
      tool: a.tool,
      toolCallId: a.toolCallId,
      policy: a.policy,
      rule: a.rule,
      approvers: routing.approvers,
      channels: routing.channels,
      expiresAt: row!.expiresAt.toISOString(),
      ...(row!.requestedBy && { requestedBy: row!.requestedBy }),
      ...(row!.requiredApprovals > 1 && { requiredApprovals: row!.requiredApprovals }),
    },
  });
  return row!;
}
