// Delivers the outbox: posts new cards, refreshes stale ones, sends escalations and override notices.
// Any replica may run it: a batch is claimed by one atomic UPDATE … FOR UPDATE SKIP LOCKED that also
// leases the rows, so no message is sent by two replicas; a replica that dies mid-send frees its rows
// when the lease passes. A failing platform never blocks another, nor the approval itself.
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { queryRows } from "../../db/open.ts";
import { deliveries } from "../../db/schema.ts";
import { getApproval } from "../../handlers/approvals/index.ts";
import { DELIVERIES_DUE, type Platform } from "../../handlers/channels.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { DeliveryError, type DeliveryJob, type Notifier } from "./notifier.ts";

const LEASE_MS = 60_000;
const BATCH = 20;
const MAX_ATTEMPTS = 8;
const POLL_MS = 1_000;
const ATTEMPT_TIMEOUT_MS = 30_000;

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

/** Exponential backoff from 1 s, capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(attempt - 1, 0), 300_000);
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

  private async claim(): Promise<DeliveryJob[]> {
    const now = this.options.deps.clock.now();
    const leaseUntil = new Date(now.getTime() + LEASE_MS);
    const rows = await queryRows<{ id: number }>(
      this.options.deps.database.db,
      sql`UPDATE deliveries SET next_attempt_at = ${leaseUntil}, attempts = attempts + 1
          WHERE id IN (
            SELECT id FROM deliveries
            WHERE (status = 'pending' OR (status = 'posted' AND shown_version < want_version))
              AND next_attempt_at <= ${now}
            ORDER BY next_attempt_at, id
            LIMIT ${BATCH}
            FOR UPDATE SKIP LOCKED)
          RETURNING id`,
    );
    if (rows.length === 0) return [];
    // Re-read through drizzle for typed columns (the raw RETURNING gives snake_case).
    const ids = rows.map((r) => Number(r.id));
    return this.options.deps.database.db
      .select()
      .from(deliveries)
      .where(sql`${deliveries.id} IN (${sql.join(ids, sql`, `)})`);
  }

  private async deliver(job: DeliveryJob): Promise<void> {
    const { logger } = this.options;
    const notifier = this.notifiers.get(job.platform);
    if (!notifier) {
      const reason = this.options.offReasons[job.platform] ?? `${job.platform}: off`;
      await this.finish(job, { status: "failed", error: reason });
      return;
    }
    // The version this attempt brings the message up to; a change meanwhile leaves it due again.
    const version = job.wantVersion;
    try {
      const approval = await getApproval(this.options.deps, job.approvalId);
      if (job.status === "pending") {
        const posted = await this.bounded(notifier.post(job, approval), job);
        await this.finish(job, { status: "posted", ...posted, shownVersion: version, error: null });
      } else {
        await this.bounded(notifier.update(job, approval), job);
        await this.finish(job, { shownVersion: version, error: null });
      }
    } catch (err) {
      const failure =
        err instanceof DeliveryError
          ? err
          : new DeliveryError("error", err instanceof Error ? err.message : String(err), true);
      const giveUp = !failure.retryable || job.attempts >= MAX_ATTEMPTS;
      logger.warn(
        { deliveryId: job.id, approvalId: job.approvalId, channel: job.channel, code: failure.code, giveUp },
        `delivery to ${job.channel} failed: ${failure.message}`,
      );
      const now = this.options.deps.clock.now().getTime();
      const retryAt = new Date(now + (failure.retryAfterMs ?? backoffMs(job.attempts)));
      await this.finish(
        job,
        giveUp && job.status === "pending"
          ? { status: "failed", error: failure.message }
          : giveUp
            ? { shownVersion: version, error: failure.message }
            : { error: failure.message, nextAttemptAt: retryAt },
      );
    }
  }

  /**
   * A platform call that never answers must not stall the outbox: past the attempt timeout it counts as
   * a retryable failure (well inside the lease, so no other replica has taken the row meanwhile).
   */
  private bounded<T>(call: Promise<T>, job: DeliveryJob): Promise<T> {
    const ms = this.options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new DeliveryError("timeout", `${job.platform} did not answer within ${ms / 1000} s`, true)),
        ms,
      );
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  private async finish(job: DeliveryJob, set: Partial<DeliveryJob>): Promise<void> {
    const now = this.options.deps.clock.now();
    const done = set.error === null;
    await this.options.deps.database.db
      .update(deliveries)
      .set({
        ...set,
        // Success resets the attempt count and makes a newer version due at once.
        ...(done ? { attempts: 0, nextAttemptAt: now } : {}),
        updatedAt: now,
      })
      .where(eq(deliveries.id, job.id));
  }
}
