// The Teams loop through the real POST /api/messages with real Bot Framework JWTs, against the local fake
// Bot Connector: the Adaptive Card posted to the routed conversation (and the Slack copy), who may press
// Approve/Reject, the rationale on the card, the decision via teams, every copy updated in place, and
// the `approvals` command.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import type { Body } from "../helpers/fake-bot-connector.ts";
import { about } from "../helpers/slack-request.ts";
import {
  actionsOf,
  assertAdaptiveCard,
  BILLING_CHANNEL,
  cardOf,
  elementsOf,
  startTeamsWorld,
  TEAMS_USERS,
  type TeamsWorld,
} from "../helpers/teams-request.ts";

describe(`Teams approvals (${backend})`, () => {
  let w: TeamsWorld;
  let agent: string;

  beforeAll(async () => {
    w = await startTeamsWorld();
    agent = await w.t.agentKey("support-bot");
  });
  afterAll(() => w.close());

  /** An agent's refund waiting for approval, with its Teams card posted; answers ids and the posted call. */
  async function waitingRefund(input: unknown = { ticket: "T-1", amount: 42 }) {
    const res = await w.t.call("POST", "/v1/tool-calls", {
      key: agent,
      body: { tool: "refund.issue", input },
    });
    expect(res.status).toBe(202);
    const { approvalId } = res.body;
    const [posted] = await w.connector.waitFor("post", 1, approvalId);
    return { approvalId, posted: posted! };
  }

  const invokeCard = (res: { status: number; body: Body }) => {
    expect(res.status).toBe(200);
    expect(res.body.statusCode).toBe(200);
    expect(res.body.type).toBe("application/vnd.microsoft.card.adaptive");
    assertAdaptiveCard(res.body.value);
    return res.body.value as Body;
  };
  const cardText = (card: Body) => JSON.stringify(card);
  const approval = async (id: string) =>
    (await w.t.call("GET", `/v1/approvals/${id}`, { key: w.t.adminKey })).body;

  it("posts an Adaptive Card 1.5 to the routed conversation, with the rationale input and Action.Execute", async () => {
    const { approvalId, posted } = await waitingRefund({
      ticket: "T-9",
      amount: 120,
      note: "x".repeat(5000),
    });
    expect(posted.conversationId).toBe(BILLING_CHANNEL);
    const card = cardOf(posted.body);
    const text = cardText(card);
    for (const fact of [
      "support-bot",
      "refund.issue",
      "financial",
      "financial-actions-require-approval (rule 0)",
    ]) {
      expect(text).toContain(fact);
    }
    expect(text).toContain("Input (truncated)");
    const [input] = elementsOf(card, "Input.Text");
    expect(input).toMatchObject({ id: "rationale", isRequired: true });
    const actions = actionsOf(card);
    expect(actions.filter((a) => a.type === "Action.Execute")).toEqual([
      expect.objectContaining({ verb: "approve", data: { approvalId }, title: "Approve" }),
      expect.objectContaining({ verb: "reject", data: { approvalId }, title: "Reject" }),
    ]);
    expect(actions.find((a) => a.type === "Action.OpenUrl")?.url).toContain(
      `/console/approvals/${approvalId}`,
    );
    // Slack is routed too, and has its own copy.
    await w.slackFake.waitFor("chat.postMessage", 1, about(approvalId));
    const delivery = (await approval(approvalId)).channels;
    expect(delivery).toEqual([`teams:${BILLING_CHANNEL}`, "slack:#billing-approvals"]);
  });

  it("answers someone who may not decide with an error card and records nothing", async () => {
    const { approvalId } = await waitingRefund();
    const card = invokeCard(
      await w.teams.press(TEAMS_USERS.eve, "reject", { approvalId, rationale: "looks wrong" }),
    );
    expect(cardText(card)).toContain("eve@example.com is not an approver");
    // The card still offers the buttons: only Eve's attempt was refused.
    expect(actionsOf(card).filter((a) => a.type === "Action.Execute")).toHaveLength(2);
    expect((await approval(approvalId)).status).toBe("pending");
    expect(w.connector.recorded("update", approvalId)).toHaveLength(0);
  });

  it("refuses a decision without a rationale, keeping the card as it was", async () => {
    const { approvalId } = await waitingRefund();
    const card = invokeCard(await w.teams.press(TEAMS_USERS.ana, "approve", { approvalId, rationale: "  " }));
    expect(cardText(card)).toContain("a rationale is required");
    expect(elementsOf(card, "Input.Text")).toHaveLength(1);
    expect((await approval(approvalId)).status).toBe("pending");
  });

  it("decides via teams with the rationale typed on the card, and updates every copy in place", async () => {
    const { approvalId, posted } = await waitingRefund();
    const card = invokeCard(
      await w.teams.press(
        TEAMS_USERS.ana,
        "approve",
        { approvalId, rationale: "Customer was double-charged" },
        { messageId: posted.activityId },
      ),
    );
    // The presser sees the outcome at once, with nothing left to press.
    expect(cardText(card)).toContain("Approved by ana@example.com");
    expect(cardText(card)).toContain("Customer was double-charged");
    expect(elementsOf(card, "Input.Text")).toHaveLength(0);
    expect(actionsOf(card)).toHaveLength(0);

    const decided = await approval(approvalId);
    expect(decided.status).toBe("approved");
    expect(decided.decision).toMatchObject({
      decision: "approve",
      kind: "human",
      via: "teams",
      decidedBy: "ana@example.com",
      rationale: "Customer was double-charged",
    });
    // The posted Teams card is replaced in place (PUT of the same activity), and the Slack copy updated.
    const [update] = await w.connector.waitFor("update", 1, approvalId);
    expect(update!.conversationId).toBe(BILLING_CHANNEL);
    expect(update!.activityId).toBe(posted.activityId);
    const updated = cardOf(update!.body);
    expect(cardText(updated)).toContain("Approved by ana@example.com");
    expect(actionsOf(updated)).toHaveLength(0);
    await w.slackFake.waitFor("chat.update", 1, about(approvalId));
  });

  it("shows the standing outcome to a late presser and records nothing more", async () => {
    const { approvalId } = await waitingRefund();
    const ana = await w.t.operatorKey("ana@example.com");
    const first = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: ana,
      body: { decision: "reject", rationale: "Duplicate request" },
    });
    expect(first.status).toBe(200);
    const card = invokeCard(await w.teams.press(TEAMS_USERS.ben, "approve", { approvalId, rationale: "ok" }));
    expect(cardText(card)).toContain("already rejected by ana@example.com");
    expect(cardText(card)).toContain("Rejected by ana@example.com");
    expect(actionsOf(card).filter((a) => a.type === "Action.Execute")).toHaveLength(0);
    const standing = await approval(approvalId);
    expect(standing.decision).toMatchObject({ decision: "reject", via: "api", decidedBy: "ana@example.com" });
  });

  it("answers `approvals ls` with the person's queue, matching them by their Teams email", async () => {
    const { approvalId } = await waitingRefund();
    const before = w.connector.recorded("reply").length;
    const res = await w.teams.say(TEAMS_USERS.ben, "approvals ls --agent support-bot");
    expect(res.status).toBe(200);
    const [reply] = w.connector.recorded("reply").slice(before);
    expect(reply!.conversationId).toBe(`${BILLING_CHANNEL};messageid=1700000000002`);
    const card = cardOf(reply!.body);
    expect(cardText(card)).toContain("Waiting for you");
    expect(cardText(card)).toContain(approvalId);
    const open = actionsOf(card).find((a) => a.verb === "describe" && a.data.approvalId === approvalId);
    expect(open).toBeDefined();
    // Open answers with the approval's own card, ready to decide.
    const opened = invokeCard(await w.teams.press(TEAMS_USERS.ben, "describe", open!.data));
    expect(
      actionsOf(opened)
        .map((a) => a.verb)
        .filter(Boolean),
    ).toEqual(["approve", "reject"]);
  });

  it("tells an unknown person how to be recognised, and a usage error names the problem", async () => {
    const stranger = { id: "29:1zed", aadObjectId: "0f0f0f0f-0000-4000-8000-00000000f0f0", name: "Zed" };
    const before = w.connector.recorded("reply").length;
    expect((await w.teams.say(stranger, "approvals ls")).status).toBe(200);
    expect((await w.teams.say(TEAMS_USERS.ana, "approvals frobnicate")).status).toBe(200);
    const [who, usage] = w.connector.recorded("reply").slice(before);
    expect(cardText(cardOf(who!.body))).toContain(`teams: ${stranger.aadObjectId}`);
    const usageText = cardText(cardOf(usage!.body));
    expect(usageText).toContain('unknown command \\"frobnicate\\"');
    expect(usageText).toContain("approvals decide ID approve|reject RATIONALE");
  });
});
