// Who an SLA breach is escalated to, and the outbox rows that tell them: a message per escalateTo person
// (a Slack DM when the resources know their Slack id, an email otherwise) and one per escalation
// channel, each linking the original card.
import { and, eq, inArray } from "drizzle-orm";
import type { Tx } from "../../db/open.ts";
import { deliveries } from "../../db/schema.ts";
import type { ResourceSet } from "../../model/resources.ts";
import { platformOf } from "../channels.ts";

export interface EscalationTarget {
  /** slack:@U… (a DM), email:ADDRESS, or a routed channel (slack:#…, teams:…). */
  channel: string;
  /** The escalated person's email; null for an escalation channel. */
  person: string | null;
}

/** Slack DM channels name a user id after "@": slack:@U0ANA00001. */
export function slackDmChannel(slackUserId: string): string {
  return `slack:@${slackUserId}`;
}

/** The Slack user id the resources give this person (in any Team or Role), if any. */
function slackIdOf(resources: ResourceSet, email: string): string | undefined {
  for (const group of [...resources.teams.values(), ...resources.roles.values()]) {
    const id = group.members.find((m) => m.email.toLowerCase() === email && m.slack)?.slack;
    if (id) return id;
  }
  return undefined;
}

export function escalationTargets(
  resources: ResourceSet,
  escalateTo: string[],
  escalationChannels: string[],
): EscalationTarget[] {
  const targets = new Map<string, EscalationTarget>();
  for (const raw of escalateTo) {
    const email = raw.toLowerCase();
    const slack = slackIdOf(resources, email);
    const channel = slack ? slackDmChannel(slack) : `email:${email}`;
    if (!targets.has(channel)) targets.set(channel, { channel, person: email });
  }
  for (const channel of escalationChannels) {
    if (!targets.has(channel)) targets.set(channel, { channel, person: null });
  }
  return [...targets.values()];
}

export interface Escalation {
  approvalId: string;
  escalateTo: string[];
  escalationChannels: string[];
  slaBreachAt: Date;
  expiresAt: Date;
}

/**
 * Queues the escalation messages of breached approvals. Each row's `extra` carries what a notifier needs
 * to write "a new message linking the original" without reading the database: the posted copies of the
 * card (channel, resolved target, message ref; null while not yet posted), the SLA facts and who is
 * escalated to. Returns the channels queued per approval, for the audit event.
 */
export async function queueEscalations(
  tx: Tx,
  resources: ResourceSet,
  escalations: Escalation[],
  now: Date,
): Promise<Map<string, EscalationTarget[]>> {
  const queued = new Map<string, EscalationTarget[]>();
  if (escalations.length === 0) return queued;
  const cards = await tx
    .select({
      approvalId: deliveries.approvalId,
      channel: deliveries.channel,
      platform: deliveries.platform,
      target: deliveries.target,
      messageRef: deliveries.messageRef,
    })
    .from(deliveries)
    .where(
      and(
        inArray(
          deliveries.approvalId,
          escalations.map((e) => e.approvalId),
        ),
        eq(deliveries.purpose, "card"),
      ),
    );
  const rows = escalations.flatMap((e) => {
    const targets = escalationTargets(resources, e.escalateTo, e.escalationChannels);
    queued.set(e.approvalId, targets);
    const originals = cards
      .filter((c) => c.approvalId === e.approvalId)
      .map(({ approvalId: _, ...card }) => card);
    return targets.map((t) => ({
      approvalId: e.approvalId,
      purpose: "escalation" as const,
      platform: platformOf(t.channel),
      channel: t.channel,
      status: "pending" as const,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
      extra: {
        sla: "breached",
        slaBreachAt: e.slaBreachAt.toISOString(),
        expiresAt: e.expiresAt.toISOString(),
        escalateTo: e.escalateTo,
        person: t.person,
        originals,
      },
    }));
  });
  if (rows.length > 0) await tx.insert(deliveries).values(rows);
  return queued;
}
