// A platform slower than the dispatcher's attempt timeout: the message it is still posting must not be
// posted again meanwhile. The approver's channel gets exactly one card, recorded as posted.
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DeliveryDispatcher } from "../../bot/deliveries/dispatcher.ts";
import { ChannelDirectory } from "../../bot/slack/channels.ts";
import { SlackNotifier } from "../../bot/slack/notifier.ts";
import { createWebClient } from "../../bot/slack/web.ts";
import { deliveries } from "../../db/schema.ts";
import { loadResources } from "../../gateway/resources/load.ts";
import { systemClock } from "../../handlers/clock.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { REFERENCE_RESOURCES } from "../helpers/app.ts";
import { backend, type TestDatabase, testDatabase } from "../helpers/db.ts";
import { FakeSlack } from "../helpers/fake-slack.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`a delivery to a slow platform (${backend})`, () => {
  let database: TestDatabase;
  let deps: HandlerDeps;
  let fake: FakeSlack;
  let dispatcher: DeliveryDispatcher | undefined;

  beforeEach(async () => {
    database = await testDatabase();
    const resources = loadResources(REFERENCE_RESOURCES);
    deps = { database, clock: systemClock, resources: () => resources };
    fake = await FakeSlack.start();
  });
  afterEach(async () => {
    await dispatcher?.stop();
    await fake.close();
    await database.drop();
  });

  it("is never sent twice while its first attempt is still under way", async () => {
    const web = createWebClient("xoxb-test", fake.url);
    const notifier = new SlackNotifier({
      web,
      channels: new ChannelDirectory(web),
      publicUrl: "https://countersign.example.com",
      workspaceUrl: async () => "https://fake.slack.com/",
    });
    // Slack takes 2.5 s to answer the post; the dispatcher's attempt timeout is 2 s and it polls every
    // 50 ms, so a dispatcher that gave up on the attempt would post again a second later.
    fake.slowNext("chat.postMessage", 2_500);
    dispatcher = new DeliveryDispatcher({
      deps,
      notifiers: [notifier],
      offReasons: { email: "email: off" },
      logger: pino({ level: "silent" }),
      pollMs: 50,
      attemptTimeoutMs: 2_000,
    });
    const id = await seedApproval(deps);
    await dispatcher.start();
    await fake.waitFor("chat.postMessage", 1);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(fake.records("chat.postMessage")).toHaveLength(1);
    const [card] = await database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.channel, "slack:#billing-approvals"));
    expect(card).toMatchObject({ approvalId: id, status: "posted", error: null });
  });
});
