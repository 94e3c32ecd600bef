// Runs REST and MCP tools exactly once. A call is recorded `executing` (with a lease, renewed while the
// request runs, so it lapses only when the process stops) before its request
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
  renewLease,
  settleDecisionCall,
  staleExecutions,
} from "../tool-calls/store.ts";
import type { ToolCallRow } from "../tool-calls/view.ts";
import { type Endpoint, sendToolRequest } from "./http-call.ts";
import { judgeMcpAttempt } from "./mcp/call.ts";
import type { McpUpstreams, ProgressListener } from "./mcp/upstreams.ts";
import { DIED_MID_CALL, judgeAttempt, type Verdict } from "./outcome.ts";

export interface ExecutorOptions {
  /**
   * How long a silent process is trusted to be alive: an executing call's lease, renewed every third of
   * it while the request runs. A call whose lease lapsed is one whose process stopped.
   */
  leaseMs?: number;
  /** Attempts for an idempotent tool (the first included). */
  maxAttempts?: number;
  retryBaseMs?: number;
  /** How often the recovery pass looks for stale leases and unclaimed approved calls. */
  recoveryIntervalMs?: number;
}

export class Executor {
  private readonly inflight = new Set<Promise<unknown>>();
  /** Calls this process is running now: alive whatever their lease says (a stalled event loop). */
  private readonly running = new Set<string>();
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly recoveryIntervalMs: number;
  private unlisten: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly upstreams: McpUpstreams,
    private readonly logger: Logger,
    options: ExecutorOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 10_000;
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

  leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs);
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
    onProgress?: ProgressListener,
  ): Promise<{ outcome: Outcome; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      const verdict = await this.send(tool, callId, input, onProgress);
      if (!verdict.retry || attempt >= this.maxAttempts || this.stopped) {
        return { outcome: verdict.outcome, attempts: attempt };
      }
      const backoff = this.retryBaseMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, backoff));
      if (!(await mayRetry(attempt))) return { outcome: verdict.outcome, attempts: attempt };
    }
  }

  /** One request to the tool: an HTTP request, or a tools/call to its McpServer. */
  private async send(
    tool: ToolResource,
    callId: string,
    input: unknown,
    onProgress?: ProgressListener,
  ): Promise<Verdict> {
    const idempotent = tool.sideEffects.idempotent;
    if (tool.type === "mcp") {
      return judgeMcpAttempt(await this.upstreams.call(tool, input, callId, onProgress), idempotent);
    }
    const sent = await sendToolRequest(tool.endpoint as Endpoint, input, {
      idempotencyKey: idempotent ? callId : undefined,
      freshConnection: !idempotent,
    });
    return judgeAttempt(sent, idempotent);
  }

  /**
   * Runs a call this process holds in `executing` at `row.attempts`, and records the outcome. A caller
   * waiting in the same request may hear the tool's progress (an MCP server's notifications/progress).
   */
  async runClaimed(
    row: ToolCallRow,
    tool: ToolResource,
    onProgress?: ProgressListener,
  ): Promise<ToolCallRow | null> {
    const { database, clock } = this.deps;
    let attempt = row.attempts;
    const renew = async (n: number) => {
      const now = clock.now();
      const renewed = await nextAttempt(database.db, row.id, attempt, this.leaseUntil(now), now);
      if (renewed) attempt = n + row.attempts;
      return renewed;
    };
    // The lease says this process is alive: renewed while the request runs, however long the tool takes.
    const heartbeat = setInterval(() => {
      const now = clock.now();
      renewLease(database.db, row.id, attempt, this.leaseUntil(now)).catch((err) =>
        this.logger.warn({ err, callId: row.id }, "could not renew a tool call's lease"),
      );
    }, this.leaseMs / 3);
    heartbeat.unref();
    this.running.add(row.id);
    let outcome: Outcome;
    try {
      ({ outcome } = await this.attempt(tool, row.id, row.input, renew, onProgress));
    } finally {
      clearInterval(heartbeat);
      this.running.delete(row.id);
    }
    const done = await finishCall(database.db, row.id, attempt, outcome, clock.now());
    // The answer as the tool gave it: jsonb keeps the same values but reorders object keys, and the
    // caller in this request (an MCP client comparing bytes) should get exactly what the tool said.
    return done && { ...done, result: outcome.result };
  }

  /** Once its approval is approved, runs the call, if this process is the one to claim it. */
  async executeApproved(callId: string): Promise<void> {
    if (this.stopped) return;
    const { database, clock } = this.deps;
    const found = await findApproval(database.db, approvalIdFor(callId));
    if (found?.approval.status !== "approved" || !found.decision) return;
    const call = await findCall(database.db, callId);
    if (call?.status !== "waiting_for_approval") return;
    const lookup = await this.findTool(call.tool);
    const now = clock.now();
    if ("missing" in lookup) {
      const claimed = await claimApproved(database.db, callId, now, now);
      if (claimed) await finishCall(database.db, callId, claimed.attempts, lookup.missing, clock.now());
      return;
    }
    const { tool } = lookup;
    if (tool.type === "decision") {
      await settleDecisionCall(
        database.db,
        callId,
        { approved: true, decision: presentDecision(found.decision) },
        now,
      );
      return;
    }
    const claimed = await claimApproved(database.db, callId, this.leaseUntil(now), now);
    if (claimed) await this.runClaimed(claimed, tool);
  }

  /** The call's Tool (an McpServer's once it is reached), or the outcome to record when there is none. */
  private async findTool(name: string): Promise<{ tool: ToolResource } | { missing: Outcome }> {
    const known = this.deps.resources().tools.get(name);
    if (known) return { tool: known };
    try {
      const tool = await this.upstreams.resolveTool(name);
      return tool ? { tool } : { missing: noLongerDefined(name) };
    } catch (err) {
      return {
        missing: { status: "failed", result: null, error: (err as Error).message, reason: "unreachable" },
      };
    }
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
      // Ours and still running: a heartbeat held up behind a busy event loop, not a dead process.
      if (this.running.has(stale.id)) continue;
      const tool = this.deps.resources().tools.get(stale.tool);
      const sendable = tool?.endpoint ?? tool?.mcp;
      if (sendable && tool?.sideEffects.idempotent && stale.attempts < this.maxAttempts) {
        // Safe to send again: take the call over for one more attempt, carrying the same Idempotency-Key.
        if (await nextAttempt(database.db, stale.id, stale.attempts, this.leaseUntil(now), now)) {
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
