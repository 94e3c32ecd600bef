// Shared by the sweeper tests: a policy with explicit SLA routing and escalation, a tool call waiting on
// its approval (created together, as the gateway does), and a recording Notifier for a dispatcher.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { DeliveryDispatcher } from "../../bot/deliveries/dispatcher.ts";
import { DeliveryError, type Notifier } from "../../bot/deliveries/notifier.ts";
import { createLogger } from "../../bot/logger.ts";
import { Sweeper, type SweepResult } from "../../bot/sweeper.ts";
import { deliveries, toolCalls } from "../../db/schema.ts";
import { insertApproval } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { DeliveryJob, Posted } from "../../outbox/dispatch.ts";
import type { Platform } from "../../outbox/platforms.ts";
import type { Approval } from "../../sdk/types.ts";
import { startTestApp, type TestApp, type TestAppOptions } from "./app.ts";
import { API_VERSION, decisionToolYaml, resourcesYaml } from "./resource-yaml.ts";
import { routedApproval } from "./seed.ts";

/** A cron schedule that never fires during a test: sweeps run only when a test says so. */
export const NEVER = "0 0 1 1 *";

export const MINUTE = 60_000;

// payout.send: 1.5-minute timeout, at risk after 30 s, breached after 60 s, escalated to sam (who has a
// Slack id, via the sre-oncall Role) and zoe (email only), and to two escalation channels.
export const ESCALATION_YAML = resourcesYaml(
  decisionToolYaml("payout.send", "privileged"),
  `${API_VERSION}
kind: Policy
metadata: { name: payouts-escalate }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.name: payout.send }
      require:
        approval: human
        approvalRouting:
          approvers: [team:billing-leads]
          timeoutMinutes: 1.5
          onTimeout: deny
          sla:
            atRiskAfterMinutes: 0.5
            breachAfterMinutes: 1
            escalateTo: [user:sam@example.com, user:zoe@example.com]
            escalationChannels: [slack:#billing-escalations, email:finance-oncall@example.com]
        channels: [slack:#billing-approvals, email:billing-leads@example.com]`,
);

/** `count` sweepers over the same deps, run at the same moment; their results. */
export function sweepTogether(deps: HandlerDeps, count: number, batchSize: number): Promise<SweepResult[]> {
  const logger = createLogger("error");
  const sweepers = Array.from(
    { length: count },
    () => new Sweeper({ deps, logger, schedule: NEVER, batchSize }),
  );
  return Promise.all(sweepers.map((s) => s.runOnce()));
}

/** The app with the cron quiet and its own dispatcher stopped, so a test drives both. */
export async function quietApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const t = await startTestApp({ ...opts, env: { COUNTERSIGN_SWEEP_CRON: NEVER, ...opts.env } });
  await t.app.sweeper.idle();
  await t.app.dispatcher.stop();
  return t;
}

export interface SeededCall {
  approvalId: string;
  toolCallId: string;
  expiresAt: Date;
}

/** A tool call waiting for approval and its approval, in one transaction, routed by the real policies. */
export async function seedCall(
  deps: HandlerDeps,
  opts: { tool?: string; agent?: string; timeoutMs?: number; requestedBy?: string } = {},
): Promise<SeededCall> {
  const approval = routedApproval(deps, opts);
  const toolCallId = `call-${randomBytes(6).toString("hex")}`;
  const approvalId = `approval-${toolCallId}`;
  const now = deps.clock.now();
  const row = await deps.database.db.transaction(async (tx) => {
    await tx.insert(toolCalls).values({
      id: toolCallId,
      agent: approval.agent,
      tool: approval.tool,
      input: approval.input,
      requestHash: randomBytes(16).toString("hex"),
      status: "waiting_for_approval",
      policy: approval.policy,
      rule: approval.rule,
      approvalId,
      createdAt: now,
      updatedAt: now,
    });
    return insertApproval(
      tx,
      { ...approval, id: approvalId, toolCallId, requestedBy: opts.requestedBy },
      now,
    );
  });
  return { approvalId, toolCallId, expiresAt: row.expiresAt };
}

export async function toolCallOf(deps: HandlerDeps, id: string) {
  const [row] = await deps.database.db.select().from(toolCalls).where(eq(toolCalls.id, id));
  return row!;
}

export async function deliveriesOf(deps: HandlerDeps, approvalId: string) {
  return deps.database.db.select().from(deliveries).where(eq(deliveries.approvalId, approvalId));
}

export interface NotifierCall {
  op: "post" | "update";
  purpose: DeliveryJob["purpose"];
  channel: string;
  approvalId: string;
  status: Approval["status"];
  sla: Approval["sla"];
  extra: DeliveryJob["extra"];
}

/** Records what it is asked to post and update; fails every call while `failing` is set. */
export class RecordingNotifier implements Notifier {
  readonly calls: NotifierCall[] = [];
  failing = false;
  private posted = 0;

  constructor(readonly platform: Platform) {}

  async post(job: DeliveryJob, approval: Approval): Promise<Posted> {
    this.record("post", job, approval);
    return { target: `target-of-${job.channel}`, messageRef: `msg-${++this.posted}` };
  }

  async update(job: DeliveryJob, approval: Approval): Promise<void> {
    this.record("update", job, approval);
  }

  private record(op: NotifierCall["op"], job: DeliveryJob, approval: Approval) {
    if (this.failing) throw new DeliveryError("unavailable", `${this.platform} is down`, true);
    this.calls.push({
      op,
      purpose: job.purpose,
      channel: job.channel,
      approvalId: job.approvalId,
      status: approval.status,
      sla: approval.sla,
      extra: job.extra,
    });
  }
}

/** A dispatcher over recording notifiers for Slack, email and Teams (no timers: tests call drain()). */
export function recordingDispatcher(deps: HandlerDeps) {
  const slack = new RecordingNotifier("slack");
  const email = new RecordingNotifier("email");
  const teams = new RecordingNotifier("teams");
  const dispatcher = new DeliveryDispatcher({
    deps,
    notifiers: [slack, email, teams],
    offReasons: {},
    logger: createLogger("error"),
  });
  return {
    dispatcher,
    slack,
    email,
    teams,
    calls: () => [...slack.calls, ...email.calls, ...teams.calls],
  };
}
