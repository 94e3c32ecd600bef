// The port every chat or email platform implements to post and refresh approval messages. The
// dispatcher owns retries, leases and bookkeeping; a notifier only talks to its platform.
import type { deliveries } from "../../db/schema.ts";
import type { Platform } from "../../handlers/channels.ts";
import type { Approval } from "../../sdk/types.ts";

export type DeliveryJob = typeof deliveries.$inferSelect;

export interface Posted {
  /** The resolved destination (Slack channel id, Teams conversation id, email address). */
  target: string;
  /** The platform's reference to the message, for later updates (Slack ts, Teams activity id, Message-ID). */
  messageRef: string;
}

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
