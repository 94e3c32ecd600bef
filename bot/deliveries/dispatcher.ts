// Delivers the outbox: posts new cards, refreshes stale ones, sends escalations and override notices.
// Any replica may run it: the outbox (outbox/dispatch.ts) claims and leases due rows so no message is sent
// by two replicas, and records how each attempt went. This drives it: wakes on NOTIFY and on a timer,
// hands each job to its platform's notifier with the approval as it is now, and bounds each attempt. A
// failing platform never blocks another, nor the approval itself.
import type { Logger } from "pino";
import { getApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import {
  claimDue,
  type DeliveryJob,
  recordFailure,
  recordSent,
  recordUndeliverable,
} from "../../outbox/dispatch.ts";
import { DELIVERIES_DUE } from "../../outbox/enqueue.ts";
import type { Platform } from "../../outbox/platforms.ts";
import { DeliveryError, type Notifier } from "./notifier.ts";

const BATCH = 20;
const POLL_MS = 1_000;
const ATTEMPT_TIMEOUT_MS = 30_000;
const LEASE_MARGIN_MS = 10_000;

export interface DispatcherOptions {
  deps: HandlerDeps;
  notifiers: Notifier[];
  /** Why a platform without a notifier is off ("slack: off (no SLACK_BOT_TOKEN)"), for its deliveries. */
  offReasons: Partial<Record<Platform, string>>;
  logger: Logger;
  pollMs?: number;
  /** How long one post or update may take before it counts as failed and is retried later. */
  attemptTimeoutMs?: number;
}

export class DeliveryDispatcher {
  private readonly notifiers: Map<Platform, Notifier>;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {
    this.notifiers = new Map(options.notifiers.map((n) => [n.platform, n]));
  }

  async start(): Promise<void> {
    this.unlisten = await this.options.deps.database.listen(DELIVERIES_DUE, () => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unlisten?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Runs a delivery pass now, or right after the one under way. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err) => this.options.logger.error({ err }, "delivery pass failed"))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Claims and sends due deliveries until none are left; resolves when done (tests await it). */
  async drain(): Promise<void> {
    for (;;) {
      const jobs = await this.claim();
      if (jobs.length === 0 || this.stopped) return;
      await Promise.all(jobs.map((job) => this.deliver(job)));
    }
  }

  private get attemptTimeoutMs(): number {
    return this.options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
  }

  private claim(): Promise<DeliveryJob[]> {
    const { database, clock } = this.options.deps;
    // The lease outlasts an attempt's timeout and the wait for its real outcome after it (bounded()).
    const leaseMs = 2 * this.attemptTimeoutMs + LEASE_MARGIN_MS;
    return claimDue(database.db, clock.now(), BATCH, leaseMs);
  }

  private async deliver(job: DeliveryJob): Promise<void> {
    const { deps, logger } = this.options;
    const { db } = deps.database;
    const notifier = this.notifiers.get(job.platform);
    if (!notifier) {
      const reason = this.options.offReasons[job.platform] ?? `${job.platform}: off`;
      await recordUndeliverable(db, job, reason, deps.clock.now());
      return;
    }
    try {
      const approval = await getApproval(deps, job.approvalId);
      if (job.status === "pending") {
        const posted = await this.bounded(notifier.post(job, approval), job);
        await recordSent(db, job, posted, deps.clock.now());
      } else {
        await this.bounded(notifier.update(job, approval), job);
        await recordSent(db, job, undefined, deps.clock.now());
      }
    } catch (err) {
      const failure =
        err instanceof DeliveryError
          ? err
          : new DeliveryError("error", err instanceof Error ? err.message : String(err), true);
      const { gaveUp } = await recordFailure(db, job, failure, deps.clock.now());
      logger.warn(
        {
          deliveryId: job.id,
          approvalId: job.approvalId,
          channel: job.channel,
          code: failure.code,
          giveUp: gaveUp,
        },
        `delivery to ${job.channel} failed: ${failure.message}`,
      );
    }
  }

  /**
   * A platform call that never answers must not stall the outbox, and one that is merely slow must not be
   * sent again while it may still land: past the attempt timeout the call is given as long again to end,
   * and its real outcome is what is recorded (a card posted late is posted, not retried). Only a call
   * still silent after that counts as failed, and it is retried no sooner than a whole lease later. The
   * row stays leased throughout (claim()), so no replica takes it meanwhile.
   */
  private async bounded<T>(call: Promise<T>, job: DeliveryJob): Promise<T> {
    const ms = this.attemptTimeoutMs;
    if (await settlesWithin(call, ms)) return call;
    this.options.logger.warn(
      { deliveryId: job.id, channel: job.channel },
      `${job.platform} has not answered within ${ms / 1000} s; waiting for its answer before anything is sent again`,
    );
    if (await settlesWithin(call, ms)) return call;
    throw new DeliveryError(
      "timeout",
      `${job.platform} did not answer within ${(2 * ms) / 1000} s`,
      true,
      2 * ms + LEASE_MARGIN_MS,
    );
  }
}

/** Whether `call` settles (either way) within `ms`; it is left running either way. */
async function settlesWithin(call: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = call.then(
    () => true,
    () => true,
  );
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
