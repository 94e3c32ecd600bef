// Who an escalation level or a reminder goes to, and the outbox rows that tell them. A person gets a
// Slack DM when the resources know their Slack id, an email otherwise; a channel gets one message. Each
// escalation links the original card; each reminder carries the card again, so it can be decided there.
import type { Tx } from "../../db/open.ts";
import type { ResourceSet } from "../../model/resources.ts";
import { cardCopies, enqueue, type NewDelivery } from "../../outbox/enqueue.ts";

export interface EscalationTarget {
  /** slack:@U… (a DM), email:ADDRESS, or a routed channel (slack:#…, teams:…). */
  channel: string;
  /** The person's email; null for a channel. */
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

/** Where to reach each person (a Slack DM, else email) and each channel, each once. */
export function escalationTargets(
  resources: ResourceSet,
  people: readonly string[],
  channels: readonly string[],
): EscalationTarget[] {
  const targets = new Map<string, EscalationTarget>();
  for (const raw of people) {
    const email = raw.toLowerCase();
    const slack = slackIdOf(resources, email);
    const channel = slack ? slackDmChannel(slack) : `email:${email}`;
    if (!targets.has(channel)) targets.set(channel, { channel, person: email });
  }
  for (const channel of channels) {
    if (!targets.has(channel)) targets.set(channel, { channel, person: null });
  }
  return [...targets.values()];
}

export interface Escalation {
  approvalId: string;
  /** 1-based: the first level is 1. */
  level: number;
  /** How many levels the approval has. */
  levels: number;
  escalateTo: string[];
  escalationChannels: string[];
  slaBreachAt: Date;
  expiresAt: Date;
}

/**
 * Queues the messages of escalation levels that fired. Each message's `extra` records what it tells: the
 * level, who is escalated to, the SLA facts, and the copies of the card it links to as they were then
 * (channel, resolved target, message ref; null while not yet posted). Returns the channels queued per
 * escalation (in the order given), for the audit events.
 */
export async function queueEscalations(
  tx: Tx,
  resources: ResourceSet,
  escalations: Escalation[],
  now: Date,
): Promise<EscalationTarget[][]> {
  if (escalations.length === 0) return [];
  const cards = await cardCopies(tx, [...new Set(escalations.map((e) => e.approvalId))]);
  const queued = escalations.map((e) => escalationTargets(resources, e.escalateTo, e.escalationChannels));
  const messages = escalations.flatMap((e, i): NewDelivery[] => {
    const originals = cards
      .filter((c) => c.approvalId === e.approvalId)
      .map(({ approvalId: _, ...card }) => card);
    return queued[i]!.map((t) => ({
      approvalId: e.approvalId,
      purpose: "escalation",
      channel: t.channel,
      extra: {
        level: e.level,
        levels: e.levels,
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
