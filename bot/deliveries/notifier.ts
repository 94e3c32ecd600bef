// The port every chat or email platform implements to post and refresh approval messages. A claimed job
// carries what a notifier needs beyond the approval (the copies of its card to link to, a place to keep
// progress), and the dispatcher hands it over with the approval as it is now; the outbox and the
// dispatcher own retries, leases and bookkeeping, so a notifier only talks to its platform.
import type { EscalationLevelWords } from "../../blocks/nudges.ts";
import type { DeliveryJob, Posted } from "../../outbox/dispatch.ts";
import type { Platform } from "../../outbox/platforms.ts";
import type { Approval } from "../../sdk/types.ts";

export interface Notifier {
  readonly platform: Platform;
  /** Posts the job's message (a card, an escalation, an override notice) showing `approval` as it is now. */
  post(job: DeliveryJob, approval: Approval): Promise<Posted>;
  /** Refreshes a posted card in place to show `approval` as it is now. */
  update(job: DeliveryJob, approval: Approval): Promise<void>;
}

/** A failed delivery attempt. Retryable ones are tried again with backoff (or after retryAfterMs). */
export class DeliveryError extends Error {
  constructor(
    /** Platform error code, e.g. not_in_channel, ratelimited, channel_not_found. */
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const count = (v: unknown): number => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 1);

/** What an escalation message tells, from its job (rows queued before levels existed are one of one). */
export function escalationOf(job: DeliveryJob): { escalateTo: string[]; at: EscalationLevelWords } {
  const extra = job.extra as { escalateTo?: unknown; level?: unknown; levels?: unknown };
  return {
    escalateTo: strings(extra.escalateTo),
    at: { level: count(extra.level), levels: count(extra.levels) },
  };
}

/** Whom a reminder says the approval still waits for. */
export function reminderOf(job: DeliveryJob): { awaited: string[] } {
  return { awaited: strings((job.extra as { awaited?: unknown }).awaited) };
}
