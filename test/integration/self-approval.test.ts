// Separation of duties: the person an agent acts for (requestedBy) never approves their own request —
// refused with self_approval on the API, the CLI, bulk-decide's row, Slack's button and /approvals
// decide, Teams' card and command, and the email link — and nothing is recorded. They may still reject
// (withdraw) it. An override is bound by it too, unless the Role says allowSelfOverride.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions, signOffs } from "../../db/schema.ts";
import { Countersign } from "../../sdk/index.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { backend } from "../helpers/db.ts";
import { about } from "../helpers/slack-request.ts";
import { SLACK_IDS, startTeamWorld, TEAM_USERS, type TeamWorld, waitingCall } from "../helpers/team-world.ts";
import { actionsOf, cardOf } from "../helpers/teams-request.ts";

const ASKED_BY_ANA = { requestedBy: "Ana@Example.com" };

describe(`separation of duties (${backend})`, () => {
  let w: TeamWorld;

  beforeAll(async () => {
    w = await startTeamWorld();
  });
  afterAll(() => w.close());

  const recorded = async (id: string) => ({
    decisions: await w.t.database.db.select().from(decisions).where(eq(decisions.approvalId, id)),
    signOffs: await w.t.database.db.select().from(signOffs).where(eq(signOffs.approvalId, id)),
  });
  const nothingRecorded = async (id: string) =>
    expect(await recorded(id)).toEqual({ decisions: [], signOffs: [] });
  const refund = () => waitingCall(w, "refund.issue", { ticket: "T-9" }, ASKED_BY_ANA);

  it("records who asked, shows it, and refuses their approval on the API with 403 self_approval", async () => {
    const { approvalId } = await refund();
    const view = await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.keys.ben });
    expect(view.body.requestedBy).toBe("ana@example.com");
    const res = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: w.keys.ana,
      body: { decision: "approve", rationale: "Looks right to me." },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: "self_approval", requestedBy: "ana@example.com" });
    expect(res.body.error.message).toBe(
      `ana@example.com asked for ${approvalId}, so cannot approve it: another approver must (separation of duties)`,
    );
    await nothingRecorded(approvalId);
    // It is not in what waits for ana, who asked for it; it is in ben's.
    const mine = async (key: string) =>
      (await w.t.call("GET", "/v1/approvals?mine=true&limit=200", { key })).body.items.map(
        (a: { id: string }) => a.id,
      );
    expect(await mine(w.keys.ana)).not.toContain(approvalId);
    expect(await mine(w.keys.ben)).toContain(approvalId);
    // The card says who asked.
    const [card] = await w.slackFake.waitFor("chat.postMessage", 1, about(approvalId));
    expect(JSON.stringify(card!.blocks)).toContain("*Requested by*\\nana@example.com");
    // Another approver decides as usual.
    const ben = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: w.keys.ben,
      body: { decision: "approve", rationale: "Checked." },
    });
    expect(ben.status).toBe(200);
  });

  it("lets the requester withdraw their own request by rejecting it", async () => {
    const { callId, approvalId } = await refund();
    const res = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: w.keys.ana,
      body: { decision: "reject", rationale: "No longer needed." },
    });
    expect(res.status).toBe(200);
    expect(res.body.decision).toMatchObject({ decision: "reject", decidedBy: "ana@example.com" });
    const call = await w.t.call("GET", `/v1/tool-calls/${callId}`, { key: w.agentKey });
    expect(call.body).toMatchObject({ status: "denied", reason: "rejected" });
  });

  it("refuses it in the CLI (exit 1) and in bulk-decide's row, deciding the others", async () => {
    const mine = await refund();
    const cli = await runCliInProcess(
      ["approvals", "decide", mine.approvalId, "--decision", "approve", "--rationale", "ok"],
      { env: { COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: w.keys.ana } },
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(
      `refused: ana@example.com asked for ${mine.approvalId}, so cannot approve it`,
    );
    const other = await waitingCall(w, "refund.issue", { ticket: "T-10" });
    const bulk = await w.t.call("POST", "/v1/approvals/bulk-decide", {
      key: w.keys.ana,
      body: { ids: [mine.approvalId, other.approvalId], decision: "approve", rationale: "Batch." },
    });
    expect(bulk.body.results).toEqual([
      {
        id: mine.approvalId,
        outcome: "self_approval",
        message: expect.stringContaining("cannot approve it"),
      },
      { id: other.approvalId, outcome: "decided" },
    ]);
    await nothingRecorded(mine.approvalId);
  });

  it("refuses the Slack button (no modal) and /approvals decide, privately", async () => {
    const { approvalId } = await refund();
    const [card] = await w.slackFake.waitFor("chat.postMessage", 1, about(approvalId));
    const posted = w.slackFake.records("chat.postMessage").find((r) => r.ok && about(approvalId)(r.body))!;
    await w.slack.click(SLACK_IDS.ana, {
      actionId: "countersign.approve",
      value: approvalId,
      channelId: posted.reply.channel,
      messageTs: posted.reply.ts,
    });
    const [told] = await w.slackFake.waitFor(
      "chat.postEphemeral",
      1,
      (b) => b.user === SLACK_IDS.ana && about(approvalId)(b),
    );
    expect(told!.text).toContain("so cannot approve it");
    expect(w.slackFake.calls("views.open").filter(about(approvalId))).toEqual([]);
    expect(card).toBeDefined();

    const res = await w.slack.command(SLACK_IDS.ana, `decide ${approvalId} approve Looks fine.`);
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe("ephemeral");
    expect(res.body.text).toContain(`ana@example.com asked for ${approvalId}, so cannot approve it`);
    await nothingRecorded(approvalId);
  });

  it("refuses the Teams card's Approve and the `approvals decide` command", async () => {
    const { approvalId } = await refund();
    const press = await w.teams.press(TEAM_USERS.ana, "approve", { approvalId, rationale: "fine" });
    expect(press.status).toBe(200);
    const card = press.body.value;
    expect(JSON.stringify(card)).toContain("so cannot approve it");
    // The card comes back as it stands: still pending, still decidable by others.
    expect(actionsOf(card).filter((a) => a.type === "Action.Execute")).toHaveLength(2);
    const before = w.connector.recorded("reply").length;
    await w.teams.say(TEAM_USERS.ana, `approvals decide ${approvalId} approve fine`);
    const [reply] = w.connector.recorded("reply").slice(before);
    expect(JSON.stringify(cardOf(reply!.body))).toContain("so cannot approve it");
    await nothingRecorded(approvalId);
  });

  it("refuses the email link: the page says why on GET and on POST, and nothing is recorded", async () => {
    const { approvalId } = await refund();
    const [mail] = await w.sink.waitFor("ana@example.com", 1, approvalId);
    const link = /^Approve: (\S+)$/m.exec(mail!.text)![1]!.replace(w.t.app.config.publicUrl, w.t.url);
    const opened = await fetch(link);
    expect(opened.status).toBe(403);
    expect(await opened.text()).toContain("You asked for this request");
    const posted = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ rationale: "mine" }).toString(),
    });
    expect(posted.status).toBe(403);
    await nothingRecorded(approvalId);
  });

  it("binds overrides too, unless the Role allows its members to override for themselves", async () => {
    const { approvalId } = await refund();
    const refused = await w.t.call("POST", `/v1/approvals/${approvalId}/override`, {
      key: w.keys.ana,
      body: { decision: "approve", grantBy: "duty", reason: "Outage." },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("self_approval");
    await nothingRecorded(approvalId);
    const allowed = await w.t.call("POST", `/v1/approvals/${approvalId}/override`, {
      key: w.keys.ana,
      body: { decision: "approve", grantBy: "solo-duty", reason: "Outage; I am the only one on call." },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.decision).toMatchObject({ kind: "override", grantBy: "solo-duty" });
  });

  it("takes requestedBy from the SDK for calls and approvals, validated as an email", async () => {
    const sdk = new Countersign({ baseUrl: w.t.url, apiKey: w.agentKey });
    const asked = await sdk.createApproval("refund.issue", { requestedBy: "Bob@Example.com" });
    expect(asked.requestedBy).toBe("bob@example.com");
    const running = sdk.callTool("refund.issue", { ticket: "T-11" }, { requestedBy: "ben@example.com" });
    let waiting: { id: string } | undefined;
    for (let i = 0; i < 100 && !waiting; i++) {
      const queue = await w.t.call("GET", "/v1/approvals?agent=payments-bot", { key: w.keys.ana });
      waiting = queue.body.items.find(
        (a: { requestedBy: string | null }) => a.requestedBy === "ben@example.com",
      );
      if (!waiting) await new Promise((r) => setTimeout(r, 50));
    }
    const byBen = await w.t.call("POST", `/v1/approvals/${waiting!.id}`, {
      key: w.keys.ben,
      body: { decision: "approve", rationale: "mine" },
    });
    expect(byBen.body.error.code).toBe("self_approval");
    await w.t.call("POST", `/v1/approvals/${waiting!.id}`, {
      key: w.keys.cara,
      body: { decision: "approve", rationale: "Checked for Ben." },
    });
    expect((await running).status).toBe("succeeded");

    const bad = await w.t.call("POST", "/v1/tool-calls", {
      key: w.agentKey,
      body: { tool: "refund.issue", input: {}, requestedBy: "not an email" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^requestedBy: must be the email address/);
    const badApproval = await w.t.call("POST", "/v1/approvals", {
      key: w.agentKey,
      body: { action: "refund.issue", requestedBy: 42 },
    });
    expect(badApproval.status).toBe(400);
    expect(badApproval.body.error.message).toMatch(/^requestedBy: /);
  });

  it("keeps requestedBy part of an idempotent call's identity", async () => {
    const body = { tool: "refund.issue", input: { ticket: "T-12" }, idempotencyKey: "refund-T-12" };
    const first = await w.t.call("POST", "/v1/tool-calls", {
      key: w.agentKey,
      body: { ...body, ...ASKED_BY_ANA },
    });
    expect(first.status).toBe(202);
    const same = await w.t.call("POST", "/v1/tool-calls", {
      key: w.agentKey,
      body: { ...body, ...ASKED_BY_ANA },
    });
    expect(same.body.id).toBe(first.body.id);
    const other = await w.t.call("POST", "/v1/tool-calls", {
      key: w.agentKey,
      body: { ...body, requestedBy: "ben@example.com" },
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });
});
