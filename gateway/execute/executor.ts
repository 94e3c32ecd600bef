// Runs REST tools exactly once. A call is recorded `executing` (with a lease) before its request
// leaves; afterwards only the holder of that attempt may record the outcome (finishCall matches status
// and attempt number). Approved calls are claimed with a conditional UPDATE, so of every process that
// hears the approval exactly one sends the request.
import type { Logger } from "pino";
import { findApproval, presentDecision } from "../../handlers/approvals/index.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { ToolResource } from "../../model/resources.ts";
import { approvalIdFor, callIdOf } from "../tool-calls/ids.ts";
import {
  approvedUnclaimed,
  claimApproved,
  findCall,
  finishCall,
  nextAttempt,
  type Outcome,
  settleDecisionCall,
  staleExecutions,
} from "../tool-calls/store.ts";
import type { ToolCallRow } from "../tool-calls/view.ts";
import { type Endpoint, sendToolRequest } from "./http-call.ts";
import { DIED_MID_CALL, judgeAttempt } from "./outcome.ts";

export interface ExecutorOptions {
  /** Added to a tool's timeout for the lease: how long a silent process is trusted to be alive. */
  leaseMarginMs?: number;
  /** Attempts for an idempotent tool (the first included). */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** How often the recovery pass looks for stale leases and unclaimed approved calls. */
  recoveryIntervalMs?: number;
}

export class Executor {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly leaseMarginMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly recoveryIntervalMs: number;
  private unlisten: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly logger: Logger,
    options: ExecutorOptions = {},
  ) {
    this.leaseMarginMs = options.leaseMarginMs ?? 5_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 200;
    this.recoveryIntervalMs = options.recoveryIntervalMs ?? 5_000;
  }

  /** Recovers what a previous run left, then follows approvals as they are decided. */
  async start(): Promise<void> {
    // PGlite is one process: whatever is executing at start-up was cut off when the last one stopped.
    await this.recover(this.deps.database.kind === "pglite");
    this.unlisten = await this.deps.database.listen(APPROVAL_CHANGED, (payload) => {
      if (payload === "*") return void this.recover(false);
      const callId = callIdOf(payload);
      if (callId) this.track(this.executeApproved(callId));
    });
    // Approvals decided between the first pass and the LISTEN would otherwise wait for the next tick.
    void this.recover(false);
    this.timer = setInterval(() => void this.recover(false), this.recoveryIntervalMs);
    this.timer.unref();
  }

  /** Stops taking work and gives calls in flight a moment to record their outcome. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unlisten?.();
    const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inflight]), grace]);
  }

  leaseUntil(tool: ToolResource, now: Date): Date {
    return new Date(now.getTime() + (tool.endpoint?.timeoutMs ?? 0) + this.leaseMarginMs);
  }

  /**
   * Sends the request, retrying an idempotent tool with backoff. `mayRetry(attempt)` is asked before
   * each further attempt (to renew the lease) and stops the retries when it says no.
   */
  async attempt(
    tool: ToolResource,
    callId: string,
    input: unknown,
    mayRetry: (attempt: number) => Promise<boolean>,
  ): Promise<{ outcome: Outcome; attempts: number }> {
    const endpoint = tool.endpoint as Endpoint;
    const idempotent = tool.sideEffects.idempotent;
    for (let attempt = 1; ; attempt++) {
      const sent = await sendToolRequest(endpoint, input, {
        idempotencyKey: idempotent ? callId : undefined,
      });
      const verdict = judgeAttempt(sent, idempotent);
      if (!verdict.retry || attempt >= this.maxAttempts || this.stopped) {
        return { outcome: verdict.outcome, attempts: attempt };
      }
      const backoff = this.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      if (!(await mayRetry(attempt))) return { outcome: verdict.outcome, attempts: attempt };
    }
  }

  /** Runs a call this process holds in `executing` at `row.attempts`, and records the outcome. */
  async runClaimed(row: ToolCallRow, tool: ToolResource): Promise<ToolCallRow | null> {
    const { database, clock } = this.deps;
    let attempt = row.attempts;
    const { outcome } = await this.attempt(tool, row.id, row.input, async (n) => {
      const now = clock.now();
      const renewed = await nextAttempt(database.db, row.id, attempt, this.leaseUntil(tool, now), now);
      if (renewed) attempt = n + row.attempts;
      return renewed;
    });
    return finishCall(database.db, row.id, attempt, outcome, clock.now());
  }

  /** Once its approval is approved, runs the call, if this process is the one to claim it. */
  async executeApproved(callId: string): Promise<void> {
    if (this.stopped) return;
    const { database, clock } = this.deps;
    const found = await findApproval(database.db, approvalIdFor(callId));
    if (found?.approval.status !== "approved" || !found.decision) return;
    const call = await findCall(database.db, callId);
    if (call?.status !== "waiting_for_approval") return;
    const now = clock.now();
    const tool = this.deps.resources().tools.get(call.tool);
    if (tool?.type === "decision") {
      await settleDecisionCall(
        database.db,
        callId,
        { approved: true, decision: presentDecision(found.decision) },
        now,
      );
      return;
    }
    const claimed = await claimApproved(database.db, callId, tool ? this.leaseUntil(tool, now) : now, now);
    if (!claimed) return;
    if (!tool?.endpoint) {
      await finishCall(database.db, callId, claimed.attempts, noLongerDefined(call.tool), clock.now());
      return;
    }
    await this.runClaimed(claimed, tool);
  }

  /**
   * Finds work a lost notification or a dead process left: executing calls past their lease (all of
   * them when `allExecutingAreDead`) and approved calls nobody claimed.
   */
  recover(allExecutingAreDead: boolean): Promise<void> {
    this.recovering ??= this.recoverOnce(allExecutingAreDead)
      .catch((err) => this.logger.error({ err }, "tool call recovery failed"))
      .finally(() => {
        this.recovering = undefined;
      });
    return this.recovering;
  }

  private async recoverOnce(allExecutingAreDead: boolean): Promise<void> {
    if (this.stopped) return;
    const { database, clock } = this.deps;
    const now = clock.now();
    for (const stale of await staleExecutions(database.db, allExecutingAreDead ? null : now)) {
      const tool = this.deps.resources().tools.get(stale.tool);
      if (tool?.endpoint && tool.sideEffects.idempotent && stale.attempts < this.maxAttempts) {
        // Safe to send again: take the call over for one more attempt, carrying the same Idempotency-Key.
        if (await nextAttempt(database.db, stale.id, stale.attempts, this.leaseUntil(tool, now), now)) {
          const row = await findCall(database.db, stale.id);
          if (row?.status === "executing") this.track(this.runClaimed(row, tool));
        }
      } else {
        const outcome = tool?.sideEffects.idempotent ? GAVE_UP_AFTER_DEATHS : DIED_MID_CALL;
        const marked = await finishCall(database.db, stale.id, stale.attempts, outcome, now);
        if (marked) this.logger.warn({ callId: stale.id, tool: stale.tool }, "tool call outcome unknown");
      }
    }
    for (const callId of await approvedUnclaimed(database.db)) this.track(this.executeApproved(callId));
  }

  private track(work: Promise<unknown>) {
    const p = work.catch((err) => this.logger.error({ err }, "tool call execution failed"));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }
}

const GAVE_UP_AFTER_DEATHS: Outcome = {
  status: "failed",
  result: null,
  error: "the processes running this call stopped before the tool answered, on every attempt",
  reason: "process_died",
};

function noLongerDefined(tool: string): Outcome {
  return {
    status: "failed",
    result: null,
    error: `tool ${tool} is no longer defined in the resources`,
    reason: "unknown_tool",
  };
}
