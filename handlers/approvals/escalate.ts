// Who an SLA breach is escalated to, and the outbox rows that tell them: a message per escalateTo person
// (a Slack DM when the resources know their Slack id, an email otherwise) and one per escalation
// channel, each linking the original card.
import type { Tx } from "../../db/open.ts";
import type { ResourceSet } from "../../model/resources.ts";
import { cardCopies, enqueue, type NewDelivery } from "../../outbox/enqueue.ts";

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
 * Queues the escalation messages of breached approvals. Each message's `extra` records what it tells:
 * the SLA facts, who is escalated to, and the copies of the card it links to as they were then (channel,
 * resolved target, message ref; null while not yet posted). Returns the channels queued per approval,
 * for the audit event.
 */
export async function queueEscalations(
  tx: Tx,
  resources: ResourceSet,
  escalations: Escalation[],
  now: Date,
): Promise<Map<string, EscalationTarget[]>> {
  const queued = new Map<string, EscalationTarget[]>();
  if (escalations.length === 0) return queued;
  const cards = await cardCopies(
    tx,
    escalations.map((e) => e.approvalId),
  );
  const messages = escalations.flatMap((e): NewDelivery[] => {
    const targets = escalationTargets(resources, e.escalateTo, e.escalationChannels);
    queued.set(e.approvalId, targets);
    const originals = cards
      .filter((c) => c.approvalId === e.approvalId)
      .map(({ approvalId: _, ...card }) => card);
    return targets.map((t) => ({
      approvalId: e.approvalId,
      purpose: "escalation",
      channel: t.channel,
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
  await enqueue(tx, messages, now);
  return queued;
}
