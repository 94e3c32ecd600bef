// The Slack core loop through the real /slack/events endpoint with real signatures, against the fake
// Slack Web API: a card posted to both routed channels, the entitlement check, the rationale modal, the
// decision, every copy updated, the waiting call resumed; races, retries and Slack's failures.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notify } from "../../db/open.ts";
import { approvals, decisions, deliveries } from "../../db/schema.ts";
import { queueEscalations } from "../../handlers/approvals/escalate.ts";
import { DELIVERIES_DUE } from "../../outbox/enqueue.ts";
import { backend } from "../helpers/db.ts";
import type { Body } from "../helpers/fake-slack.ts";
import { assertMessageBlocks, assertModal } from "../helpers/schemas.ts";
import {
  about,
  buttons,
  formPayload,
  type SlackWorld,
  startSlackWorld,
  USERS,
  viewSubmissionPayload,
} from "../helpers/slack-request.ts";

describe(`Slack approvals (${backend})`, () => {
  let w: SlackWorld;
  let agent: string;

  beforeAll(async () => {
    w = await startSlackWorld();
    agent = await w.t.agentKey("support-bot");
  });
  afterAll(() => w.close());

  /** An agent's tool call waiting for approval, with both cards posted; answers ids and the posted cards. */
  async function waitingCall(tool = "refund.issue", input: unknown = { ticket: "T-1", amount: 42 }) {
    const res = await w.t.call("POST", "/v1/tool-calls", { key: agent, body: { tool, input } });
    expect(res.status).toBe(202);
    const { id: callId, approvalId } = res.body;
    await w.fake.waitFor("chat.postMessage", 2, about(approvalId));
    const cards = w.fake.records("chat.postMessage").filter((r) => r.ok && about(approvalId)(r.body));
    return { callId, approvalId, cards };
  }

  /** Clicks a button on a posted card and answers the modal Slack opened (or undefined). */
  async function clickCard(user: string, card: { reply: Body }, actionId: string, approvalId: string) {
    const before = w.fake.records("views.open").length;
    const res = await w.slack.click(user, {
      actionId,
      value: approvalId,
      channelId: card.reply.channel,
      messageTs: card.reply.ts,
    });
    expect(res.status).toBe(200);
    return {
      res,
      opened: () =>
        w.fake
          .records("views.open")
          .slice(before)
          .find((r) => r.ok)?.reply.view,
    };
  }

  /** Polls `read` until `done` holds (bounded: 5 s). */
  async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    for (let i = 0; ; i++) {
      const v = await read();
      if (done(v) || i >= 100) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function decisionOf(approvalId: string) {
    return w.t.database.db.select().from(decisions).where(eq(decisions.approvalId, approvalId));
  }

  it("posts the card to both routed channels, resolving names through paged conversations.list", async () => {
    const { approvalId, cards } = await waitingCall();
    expect(cards.map((c) => c.reply.channel).sort()).toEqual(["C0BILLING01", "C0PAYMENTS1"]);
    const card = cards[0]!.body;
    expect(card.text).toContain("support-bot wants to run refund.issue");
    expect(buttons(card.blocks).map((b) => b.text.text)).toEqual(["Approve", "Reject", "Full record"]);
    expect(JSON.stringify(card.blocks)).toContain(`/console/approvals/${approvalId}`);
    // Two channels per page in the fake: resolving took more than one page.
    expect(w.fake.calls("conversations.list").length).toBeGreaterThanOrEqual(2);
    const rows = await until(
      () => w.t.database.db.select().from(deliveries).where(eq(deliveries.approvalId, approvalId)),
      (rs) => rs.every((r) => r.status === "posted"),
    );
    expect(rows.map((r) => [r.status, r.target]).sort()).toEqual([
      ["posted", "C0BILLING01"],
      ["posted", "C0PAYMENTS1"],
    ]);
  });

  it("tells someone not entitled, ephemerally, and records nothing", async () => {
    const { approvalId, cards } = await waitingCall();
    const { opened } = await clickCard(USERS.eve, cards[0]!, "countersign.approve", approvalId);
    const [told] = await w.fake.waitFor(
      "chat.postEphemeral",
      1,
      (b) => b.user === USERS.eve && about(approvalId)(b),
    );
    expect(told!.text).toContain("eve@example.com is not an approver");
    expect(told!.channel).toBe(cards[0]!.reply.channel);
    expect(opened()).toBeUndefined();
    expect(await decisionOf(approvalId)).toEqual([]);
  });

  it("does not take a Slack Connect guest's email for an approver's, and records nothing", async () => {
    // Another organisation's admin controls what its users' emails say: this one claims ben's.
    const guest = "U0GUEST0009";
    w.fake.users.set(guest, { id: guest, email: "ben@example.com", name: "not ben", teamId: "T0OTHERORG" });
    const { approvalId, cards } = await waitingCall();
    const { opened } = await clickCard(guest, cards[0]!, "countersign.approve", approvalId);
    const [told] = await w.fake.waitFor("chat.postEphemeral", 1, (b) => b.user === guest);
    expect(told!.text).toContain("another Slack workspace");
    expect(opened()).toBeUndefined();
    expect(await decisionOf(approvalId)).toEqual([]);
  });

  it("approve with a rationale: decided, both copies updated without buttons, the waiting call resumed", async () => {
    const { callId, approvalId, cards } = await waitingCall();
    const waiting = w.t.call("GET", `/v1/tool-calls/${callId}?wait=20`, { key: agent });
    const { opened } = await clickCard(USERS.ana, cards[0]!, "countersign.approve", approvalId);
    await w.fake.waitFor("views.open", 1, about(approvalId));
    const view = opened()!;
    expect(view.title.text).toBe("Approve request");

    // The rule requires a rationale: an empty one is refused in the modal.
    const empty = await w.slack.submit(USERS.ana, view, "");
    expect(empty.body).toEqual({
      response_action: "errors",
      errors: { rationale: expect.stringContaining("rationale is required") },
    });
    expect(await decisionOf(approvalId)).toEqual([]);

    const ok = await w.slack.submit(USERS.ana, view, "Refund eligibility confirmed.");
    expect(ok).toMatchObject({ status: 200, body: "" });
    expect(await decisionOf(approvalId)).toMatchObject([
      {
        decision: "approve",
        kind: "human",
        via: "slack",
        decidedBy: "ana@example.com",
        rationale: "Refund eligibility confirmed.",
      },
    ]);
    const updates = await w.fake.waitFor("chat.update", 2, about(approvalId));
    expect(updates.map((u) => `${u.channel}/${u.ts}`).sort()).toEqual(
      cards.map((c) => `${c.reply.channel}/${c.reply.ts}`).sort(),
    );
    for (const u of updates) {
      expect(buttons(u.blocks)).toEqual([]);
      expect(JSON.stringify(u.blocks)).toMatch(
        /Approved by ana@example.com at .* — Refund eligibility confirmed\./,
      );
    }
    expect((await waiting).body).toMatchObject({ id: callId, status: "succeeded" });
  });

  it("a click on a decided card answers who decided and refreshes that card", async () => {
    const { approvalId, cards } = await waitingCall();
    await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: await w.t.operatorKey("ana@example.com"),
      body: { decision: "reject", rationale: "Duplicate of T-0." },
    });
    const card = cards[1]!;
    // The dispatcher brings both copies up to date first; the click refreshes the clicked one again.
    await w.fake.waitFor("chat.update", 2, about(approvalId));
    const onCard = (u: Body) => u.channel === card.reply.channel && u.ts === card.reply.ts;
    // ben has no Slack id in the Team: he is matched by his email from users.info.
    await clickCard(USERS.ben, card, "countersign.approve", approvalId);
    const [told] = await w.fake.waitFor(
      "chat.postEphemeral",
      1,
      (b) => b.user === USERS.ben && about(approvalId)(b),
    );
    expect(told!.text).toMatch(/already rejected by ana@example.com at/);
    const refreshed = await w.fake.waitFor("chat.update", 2, (u) => about(approvalId)(u) && onCard(u));
    expect(JSON.stringify(refreshed[1]!.blocks)).toContain("Rejected by ana@example.com");
  });

  it("approve and reject clicked at once by two approvers: one decision, the loser told", async () => {
    const { approvalId, cards } = await waitingCall();
    const a = await clickCard(USERS.ana, cards[0]!, "countersign.approve", approvalId);
    const b = await clickCard(USERS.ben, cards[1]!, "countersign.reject", approvalId);
    await w.fake.waitFor("views.open", 2, about(approvalId));
    const [ra, rb] = await Promise.all([
      w.slack.submit(USERS.ana, a.opened()!, "Looks right."),
      w.slack.submit(USERS.ben, b.opened()!, "Looks wrong."),
    ]);
    const answers = [ra.body, rb.body];
    const winners = answers.filter((x) => x === "");
    const losers = answers.filter((x) => x !== "");
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([
      {
        response_action: "errors",
        errors: { rationale: expect.stringMatching(/already (approved|rejected) by (ana|ben)@example.com/) },
      },
    ]);
    expect(await decisionOf(approvalId)).toHaveLength(1);
  });

  it("a replayed request with X-Slack-Retry-Num changes nothing", async () => {
    const { approvalId, cards } = await waitingCall();
    const click = formClick(approvalId, cards[0]!);
    expect((await w.slack.send(click)).status).toBe(200);
    const [view] = await w.fake.waitFor("views.open", 1, about(approvalId));
    expect((await w.slack.send(click, { retryNum: 1 })).status).toBe(200);

    const opened = w.fake.records("views.open").find((r) => r.ok && about(approvalId)(r.body))!.reply.view;
    expect(view).toBeDefined();
    const submission = formPayload(viewSubmissionPayload(USERS.ana, opened, "Checked twice."));
    expect((await w.slack.send(submission)).body).toBe("");
    await w.fake.waitFor("chat.update", 2, about(approvalId));
    const replay = await w.slack.send(submission, { retryNum: 1 });
    expect(replay.status).toBe(200);
    await w.t.app.dispatcher.drain();
    expect(w.fake.calls("views.open").filter(about(approvalId))).toHaveLength(1);
    expect(w.fake.calls("chat.update").filter(about(approvalId))).toHaveLength(2);
    expect(w.fake.calls("chat.postEphemeral").filter(about(approvalId))).toHaveLength(0);
    expect(await decisionOf(approvalId)).toHaveLength(1);
  });

  function formClick(approvalId: string, card: { reply: Body }): string {
    return formPayload({
      type: "block_actions",
      user: { id: USERS.ana, username: "ana", name: "ana", team_id: "T0FAKE" },
      api_app_id: "A0FAKE",
      token: "gIkuvaNzQIHg97ATvDxqgjtO",
      container: {
        type: "message",
        message_ts: card.reply.ts,
        channel_id: card.reply.channel,
        is_ephemeral: false,
      },
      trigger_id: `1337.42.${approvalId}`,
      team: { id: "T0FAKE", domain: "fake" },
      channel: { id: card.reply.channel, name: "billing-approvals" },
      state: { values: {} },
      response_url: w.fake.responseUrl("replay"),
      actions: [
        {
          action_id: "countersign.approve",
          block_id: "decide",
          type: "button",
          value: approvalId,
          action_ts: "1",
        },
      ],
    });
  }

  it("a submitted modal whose metadata Countersign cannot read is answered in the modal, and records nothing", async () => {
    const before = await w.t.call("GET", "/v1/audit?limit=1000", { key: w.t.adminKey });
    for (const callback_id of ["countersign.decide", "countersign.bulk_decide"]) {
      for (const private_metadata of ["", "{not json", '{"id":7}', "[]"]) {
        const view = { id: "V0FAKE", type: "modal", callback_id, private_metadata, blocks: [] };
        const res = await w.slack.send(formPayload(viewSubmissionPayload(USERS.ana, view, "Checked.")));
        expect(res.status, `${callback_id} ${private_metadata}`).toBe(200);
        expect(res.body).toEqual({
          response_action: "errors",
          errors: {
            rationale:
              "This form is not one Countersign opened (its metadata is unreadable); nothing was recorded.",
          },
        });
      }
    }
    const after = await w.t.call("GET", "/v1/audit?limit=1000", { key: w.t.adminKey });
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it("refuses a missing, bad or stale signature with 401 and a malformed body with 400", async () => {
    const body = formPayload({ type: "block_actions", actions: [] });
    expect((await w.slack.send(body, { signature: null })).status).toBe(401);
    expect((await w.slack.send(body, { signature: "v0=deadbeef" })).status).toBe(401);
    const stale = await w.slack.send(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toContain("stale");
    // Signature first: a malformed body with a bad signature is still a 401.
    expect((await w.slack.send("payload=%7Bnot-json", { signature: "v0=00" })).status).toBe(401);
    const malformed = await w.slack.send("payload=%7Bnot-json");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("bad_request");
    expect((await w.slack.send("hello", { contentType: "text/plain" })).status).toBe(400);
    expect(w.fake.calls("views.open").filter((b) => b.trigger_id === undefined)).toEqual([]);
  });

  it("posts the card anyway when Slack answers 429 first, after its Retry-After", async () => {
    w.fake.failNext("chat.postMessage", { status: 429, retryAfter: 1 });
    const { approvalId } = await waitingCall("payout.send");
    const attempts = w.fake.records("chat.postMessage").filter((r) => about(approvalId)(r.body));
    expect(attempts.filter((r) => !r.ok)).toHaveLength(1);
    const limited = attempts.find((r) => !r.ok)!;
    const retried = attempts.filter((r) => r.ok && r.body.channel === limited.body.channel);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.at - limited.at).toBeGreaterThanOrEqual(900);
  });

  it("records not_in_channel for a private channel without the bot, naming the fix", async () => {
    const res = await w.t.call("POST", "/v1/tool-calls", {
      key: agent,
      body: { tool: "vault.open", input: {} },
    });
    expect(res.status).toBe(202);
    const approvalId = res.body.approvalId;
    const [row] = await until(
      () => w.t.database.db.select().from(deliveries).where(eq(deliveries.approvalId, approvalId)),
      (rs) => rs[0]?.status === "failed",
    );
    expect(row).toMatchObject({
      status: "failed",
      error:
        "Countersign is not in #private-finance (a private channel): invite @Countersign to #private-finance",
    });
    const [approval] = await w.t.database.db.select().from(approvals).where(eq(approvals.id, approvalId));
    expect(approval!.status).toBe("pending");
  });

  it("posts an SLA escalation to a channel and as a direct message, linking the posted cards", async () => {
    const { approvalId, cards } = await waitingCall();
    await until(
      () => w.t.database.db.select().from(deliveries).where(eq(deliveries.approvalId, approvalId)),
      (rs) => rs.every((r) => r.status === "posted"),
    );
    const now = new Date();
    await w.t.database.db.transaction(async (tx) => {
      await queueEscalations(
        tx,
        w.t.app.deps.resources(),
        [
          {
            approvalId,
            level: 1,
            levels: 1,
            escalateTo: ["ana@example.com"],
            escalationChannels: ["slack:#sre-oncall"],
            slaBreachAt: now,
            expiresAt: new Date(now.getTime() + 600_000),
          },
        ],
        now,
      );
      await notify(tx, DELIVERIES_DUE, approvalId);
    });
    const posted = await w.fake.waitFor("chat.postMessage", 4, about(approvalId));
    // Queued by hand on a fresh approval, the escalation is not at a breach: it leads as an escalation.
    const escalations = posted.filter((b) => b.text.startsWith("Escalation"));
    expect(escalations.map((b) => b.channel).sort()).toEqual(["C0SREONCALL", USERS.ana]);
    for (const e of escalations) {
      for (const c of cards)
        expect(JSON.stringify(e.blocks)).toContain(
          `archives/${c.reply.channel}/p${c.reply.ts.replace(".", "")}`,
        );
    }
  });

  it("sent Slack only valid Block Kit: every card, update, ephemeral and modal", () => {
    const sent = ["chat.postMessage", "chat.update", "chat.postEphemeral"].flatMap((m) => w.fake.calls(m));
    expect(sent.length).toBeGreaterThan(10);
    for (const body of sent) assertMessageBlocks(body.blocks);
    for (const body of w.fake.calls("views.open")) assertModal(body.view);
  });
});
