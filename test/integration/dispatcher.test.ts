// The outbox dispatcher: every routed channel gets its card once, a stale card is refreshed, failures
// are retried with backoff (Retry-After honoured) without blocking other channels, and two dispatchers
// draining together never send the same message twice.
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeliveryDispatcher } from "../../bot/deliveries/dispatcher.ts";
import { DeliveryError, type Notifier } from "../../bot/deliveries/notifier.ts";
import { deliveries } from "../../db/schema.ts";
import { loadResources } from "../../gateway/resources/load.ts";
import { decide } from "../../handlers/approvals/index.ts";
import { ManualClock } from "../../handlers/clock.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { DeliveryJob } from "../../outbox/dispatch.ts";
import type { Approval } from "../../sdk/types.ts";
import { REFERENCE_RESOURCES } from "../helpers/app.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";

class RecordingNotifier implements Notifier {
  readonly posts: { channel: string; status: string }[] = [];
  readonly updates: { channel: string; status: string }[] = [];
  failures: DeliveryError[] = [];
  constructor(readonly platform: "slack" | "email") {}
  async post(job: DeliveryJob, approval: Approval) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.posts.push({ channel: job.channel, status: approval.status });
    return { target: job.channel.slice(job.channel.indexOf(":") + 1), messageRef: `m-${this.posts.length}` };
  }
  async update(job: DeliveryJob, approval: Approval) {
    this.updates.push({ channel: job.channel, status: approval.status });
  }
}

describe(`delivery dispatcher (${backend})`, () => {
  let database: TestDatabase;
  let deps: HandlerDeps;
  let clock: ManualClock;
  const logger = pino({ level: "silent" });
  const resources = loadResources(REFERENCE_RESOURCES);

  beforeEach(async () => {
    database = await testDatabase();
    clock = new ManualClock(new Date("2026-11-21T10:00:00Z"));
    deps = { database, clock, resources: () => resources };
  });
  afterEach(() => database.drop());

  const rowsOf = (approvalId: string) =>
    database.db.select().from(deliveries).where(eq(deliveries.approvalId, approvalId)).orderBy(deliveries.id);

  it("posts each routed channel once and refreshes every copy after the decision", async () => {
    const slack = new RecordingNotifier("slack");
    const email = new RecordingNotifier("email");
    const d = new DeliveryDispatcher({ deps, notifiers: [slack, email], offReasons: {}, logger });
    const id = await seedApproval(deps);
    await d.drain();
    expect(slack.posts).toEqual([{ channel: "slack:#billing-approvals", status: "pending" }]);
    expect(email.posts).toEqual([{ channel: "email:billing-leads@example.com", status: "pending" }]);
    expect((await rowsOf(id)).map((r) => [r.status, r.messageRef])).toEqual([
      ["posted", "m-1"],
      ["posted", "m-1"],
    ]);

    await decide(deps, {
      approvalId: id,
      decision: "approve",
      rationale: "ok",
      actor: { email: "ana@example.com" },
      via: "api",
    });
    await d.drain();
    expect(slack.updates).toEqual([{ channel: "slack:#billing-approvals", status: "approved" }]);
    expect(email.updates).toEqual([{ channel: "email:billing-leads@example.com", status: "approved" }]);
    await d.drain();
    expect(slack.updates).toHaveLength(1);
  });

  it("retries a rate-limited post after Retry-After, and gives up at once on a permanent error", async () => {
    const slack = new RecordingNotifier("slack");
    slack.failures = [new DeliveryError("ratelimited", "rate limited", true, 30_000)];
    const email = new RecordingNotifier("email");
    email.failures = [new DeliveryError("bad_address", "mailbox does not exist", false)];
    const d = new DeliveryDispatcher({ deps, notifiers: [slack, email], offReasons: {}, logger });
    const id = await seedApproval(deps);
    await d.drain();
    let [slackRow, emailRow] = await rowsOf(id);
    expect(slackRow).toMatchObject({ status: "pending", error: "rate limited" });
    expect(slackRow!.nextAttemptAt.getTime()).toBe(clock.now().getTime() + 30_000);
    expect(emailRow).toMatchObject({ status: "failed", error: "mailbox does not exist" });

    clock.advance(29_999);
    await d.drain();
    expect(slack.posts).toHaveLength(0);
    clock.advance(1);
    await d.drain();
    expect(slack.posts).toHaveLength(1);
    [slackRow, emailRow] = await rowsOf(id);
    expect(slackRow).toMatchObject({ status: "posted", error: null, attempts: 0 });
    expect(emailRow!.status).toBe("failed");
  });

  it("marks deliveries to a platform that is off as failed, with the reason", async () => {
    const d = new DeliveryDispatcher({
      deps,
      notifiers: [new RecordingNotifier("email")],
      offReasons: { slack: "slack: off (no SLACK_BOT_TOKEN)" },
      logger,
    });
    const id = await seedApproval(deps);
    await d.drain();
    const [slackRow, emailRow] = await rowsOf(id);
    expect(slackRow).toMatchObject({ status: "failed", error: "slack: off (no SLACK_BOT_TOKEN)" });
    expect(emailRow!.status).toBe("posted");
  });

  it("never sends one message twice when two dispatchers drain together", async () => {
    const a = new RecordingNotifier("slack");
    const b = new RecordingNotifier("slack");
    const email = new RecordingNotifier("email");
    const da = new DeliveryDispatcher({ deps, notifiers: [a, email], offReasons: {}, logger });
    const db = new DeliveryDispatcher({ deps, notifiers: [b, email], offReasons: {}, logger });
    const ids = [];
    for (let i = 0; i < 30; i++) ids.push(await seedApproval(deps));
    await Promise.all([da.drain(), db.drain()]);
    expect(a.posts.length + b.posts.length).toBe(30);
    expect(email.posts).toHaveLength(30);
  });

  it("counts a platform call that never answers as a failure to retry, and goes on with the rest", async () => {
    const slack = new RecordingNotifier("slack");
    slack.post = () => new Promise(() => {});
    const email = new RecordingNotifier("email");
    const d = new DeliveryDispatcher({
      deps,
      notifiers: [slack, email],
      offReasons: {},
      logger,
      attemptTimeoutMs: 50,
    });
    const id = await seedApproval(deps);
    await d.drain();
    const [slackRow, emailRow] = await rowsOf(id);
    // Given as long again to answer after the attempt timeout, then retried no sooner than a lease later.
    expect(slackRow).toMatchObject({ status: "pending", error: "slack did not answer within 0.1 s" });
    expect(slackRow!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() + 10_000);
    expect(emailRow!.status).toBe("posted");
  });
});
