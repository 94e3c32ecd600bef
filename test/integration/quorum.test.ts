// Quorum (approvalRouting.minApprovals): a large vendor.pay needs two of the three treasury approvers.
// Each approval is its own immutable sign-off; the first rejection rejects; whoever lands the last needed
// approval decides, race-safe in SQL; the tool runs once. Every surface shows where the count stands.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { backend } from "../helpers/db.ts";
import { about, buttons, type SlackAnswer } from "../helpers/slack-request.ts";
import {
  SLACK_IDS,
  settledCall,
  startTeamWorld,
  type TeamWorld,
  TREASURY_SLACK,
  waitingCall,
} from "../helpers/team-world.ts";
import { cardOf } from "../helpers/teams-request.ts";

const PAYMENT = { vendor: "acme", amount: 12_000, currency: "EUR" };

describe(`quorum: two of three approvers (${backend})`, () => {
  let w: TeamWorld;

  beforeAll(async () => {
    w = await startTeamWorld();
  });
  afterAll(() => w.close());

  const approve = (key: string, id: string, rationale = "checked") =>
    w.t.call("POST", `/v1/approvals/${id}`, { key, body: { decision: "approve", rationale } });
  const reject = (key: string, id: string, rationale = "no") =>
    w.t.call("POST", `/v1/approvals/${id}`, { key, body: { decision: "reject", rationale } });
  const count = async (table: "sign_offs" | "decisions", id: string) =>
    (
      await queryRows<{ n: number }>(
        w.t.database.db,
        sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)} WHERE approval_id = ${id}`,
      )
    )[0]!.n;
  const auditTypes = async (id: string) =>
    (await w.t.call("GET", `/v1/audit?approvalId=${id}`, { key: w.t.adminKey })).body.items.map(
      (e: { type: string }) => e.type,
    );
  const settled = (callId: string) => settledCall(w, callId);

  it("records exactly two approvals of 50 concurrent ones from the three approvers, and runs the tool once", async () => {
    const { callId, approvalId } = await waitingCall(w, "vendor.pay", PAYMENT);
    const keys = [w.keys.ana, w.keys.ben, w.keys.cara];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => approve(keys[i % 3]!, approvalId, `vote ${i}`)),
    );
    const accepted = answers.filter((a) => a.status === 200);
    expect(accepted.map((a) => a.body.status).sort()).toEqual(["approved", "pending"]);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused).toHaveLength(48);
    for (const r of refused) {
      expect(r.status).toBe(409);
      expect(["already_approved_by_you", "already_decided"]).toContain(r.body.error.code);
    }
    expect(await count("sign_offs", approvalId)).toBe(2);
    expect(await count("decisions", approvalId)).toBe(1);

    const final = accepted.find((a) => a.body.status === "approved")!.body;
    expect(final.requiredApprovals).toBe(2);
    expect(final.approvals).toHaveLength(2);
    expect(new Set(final.approvals.map((g: { decidedBy: string }) => g.decidedBy)).size).toBe(2);
    // The decision is made by one of the two whose approvals were recorded (the one that met the quorum).
    expect(final.decision).toMatchObject({ decision: "approve", kind: "human", via: "api" });
    expect(final.approvals.map((g: { decidedBy: string }) => g.decidedBy)).toContain(
      final.decision.decidedBy,
    );

    expect(await settled(callId)).toMatchObject({ status: "succeeded" });
    expect(
      w.tool.requests.filter((r) => r.path === "/pay" && JSON.stringify(r.body).includes("12000")),
    ).toHaveLength(1);
    expect(await auditTypes(approvalId)).toEqual([
      "approval.created",
      "approval.signed_off",
      "approval.decided",
    ]);
  });

  it("keeps decision null until the quorum is met, and refuses the same approver twice with 409", async () => {
    const { approvalId } = await waitingCall(w, "vendor.pay", PAYMENT);
    const first = await approve(w.keys.ana, approvalId, "Invoice matches the PO.");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: "pending",
      decision: null,
      requiredApprovals: 2,
      approvals: [{ decidedBy: "ana@example.com", via: "api", rationale: "Invoice matches the PO." }],
    });
    const again = await approve(w.keys.ana, approvalId, "Me again.");
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: "already_approved_by_you",
      requiredApprovals: 2,
      approvals: [{ decidedBy: "ana@example.com" }],
    });
    expect(again.body.error.message).toContain(
      "it waits for 1 more approval (1 of 2 approvals: ana@example.com)",
    );
    expect(await count("sign_offs", approvalId)).toBe(1);
    // What waits for ana no longer holds it; for cara it does.
    const mine = async (key: string) =>
      (await w.t.call("GET", "/v1/approvals?mine=true&limit=200", { key })).body.items.map(
        (a: { id: string }) => a.id,
      );
    expect(await mine(w.keys.ana)).not.toContain(approvalId);
    expect(await mine(w.keys.cara)).toContain(approvalId);
    const view = (await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.keys.cara })).body;
    expect(view).toMatchObject({
      status: "pending",
      decision: null,
      approvals: [{ decidedBy: "ana@example.com" }],
    });
  });

  it("lets the first rejection reject, even after an approval; one final outcome whichever lands first", async () => {
    for (let round = 0; round < 4; round++) {
      const { callId, approvalId } = await waitingCall(w, "vendor.pay", {
        ...PAYMENT,
        amount: 20_000 + round,
      });
      // From one approval: the second approval and a rejection race.
      expect((await approve(w.keys.ana, approvalId)).status).toBe(200);
      const [yes, no] = await Promise.all([approve(w.keys.ben, approvalId), reject(w.keys.cara, approvalId)]);
      const said = JSON.stringify({ round, yes: yes.body, no: no.body });
      expect([yes.status, no.status].sort(), said).toEqual([200, 409]);
      expect(await count("decisions", approvalId), said).toBe(1);
      const loser = yes.status === 409 ? yes : no;
      expect(loser.body.error.code).toBe("already_decided");
      const outcome = (yes.status === 200 ? yes : no).body.status;
      expect(loser.body.error.decision.decision).toBe(outcome === "approved" ? "approve" : "reject");
      const call = await settled(callId);
      const ran = w.tool.requests.filter((r) => JSON.stringify(r.body).includes(String(20_000 + round)));
      if (outcome === "approved") {
        expect(call.status, said).toBe("succeeded");
        expect(ran, said).toHaveLength(1);
      } else {
        expect(call, said).toMatchObject({ status: "denied", reason: "rejected" });
        expect(ran, said).toHaveLength(0);
      }
    }
  });

  it("rejects when an approval and a rejection race from nothing: the rejection stands either way", async () => {
    const { callId, approvalId } = await waitingCall(w, "vendor.pay", { ...PAYMENT, amount: 30_000 });
    const [yes, no] = await Promise.all([approve(w.keys.ana, approvalId), reject(w.keys.ben, approvalId)]);
    expect(no.status).toBe(200);
    expect(no.body.status).toBe("rejected");
    // Ana's approval either counted before the rejection (200, pending) or came too late (409).
    expect(yes.status === 409 ? yes.body.error.code : yes.body.status).toMatch(/^(already_decided|pending)$/);
    expect(await count("decisions", approvalId)).toBe(1);
    expect(await settled(callId)).toMatchObject({ status: "denied", reason: "rejected" });
  });

  it("expires a partially approved approval like any other; the tool never runs", async () => {
    const { callId, approvalId } = await waitingCall(w, "vendor.pay", { ...PAYMENT, amount: 40_000 });
    await approve(w.keys.ana, approvalId);
    await w.t.database.db.execute(
      sql`UPDATE approvals SET expires_at = now() - interval '1 second' WHERE id = ${approvalId}`,
    );
    expect((await w.t.app.sweeper.runOnce()).expired).toBeGreaterThanOrEqual(1);
    const view = (await w.t.call("GET", `/v1/approvals/${approvalId}`, { key: w.keys.ana })).body;
    expect(view).toMatchObject({
      status: "expired",
      decision: { kind: "timeout" },
      approvals: [{ decidedBy: "ana@example.com" }],
    });
    expect(await settled(callId)).toMatchObject({ status: "denied", reason: "timeout" });
    expect(w.tool.requests.filter((r) => JSON.stringify(r.body).includes("40000"))).toHaveLength(0);
  });

  it("bulk-decide reports a row that counted toward a quorum apart from one it decided", async () => {
    const quorum = await waitingCall(w, "vendor.pay", PAYMENT);
    const single = await waitingCall(w, "refund.issue", { ticket: "T-5" });
    const { status, body } = await w.t.call("POST", "/v1/approvals/bulk-decide", {
      key: w.keys.cara,
      body: { ids: [quorum.approvalId, single.approvalId], decision: "approve", rationale: "Batch checked." },
    });
    expect(status).toBe(200);
    expect(body.results).toEqual([
      { id: quorum.approvalId, outcome: "counted", message: "1 of 2 approvals: cara@example.com" },
      { id: single.approvalId, outcome: "decided" },
    ]);
    const again = await w.t.call("POST", "/v1/approvals/bulk-decide", {
      key: w.keys.cara,
      body: { ids: [quorum.approvalId], decision: "approve", rationale: "Again." },
    });
    expect(again.body.results[0]).toMatchObject({
      id: quorum.approvalId,
      outcome: "already_approved_by_you",
    });
  });

  it("shows 1 of 2 approvals on every card; the first approver is told, the second decides from the card", async () => {
    const { approvalId } = await waitingCall(w, "vendor.pay", { ...PAYMENT, amount: 50_000 });
    const [slackCard] = await w.slackFake.waitFor("chat.postMessage", 1, (b) => about(approvalId)(b));
    const [teamsCard] = await w.connector.waitFor("post", 1, approvalId);
    const [anaMail] = await w.sink.waitFor("ana@example.com", 1, approvalId);
    expect(JSON.stringify(slackCard!.blocks)).toContain("0 of 2 approvals");

    expect((await approve(w.keys.ana, approvalId, "First look.")).status).toBe(200);
    const [updated] = await w.slackFake.waitFor("chat.update", 1, about(approvalId));
    expect(JSON.stringify(updated!.blocks)).toContain("1 of 2 approvals: ana@example.com");
    // Still pending: the card keeps its buttons for the second approver.
    expect(buttons(updated!.blocks).map((b) => b.text.text)).toEqual(["Approve", "Reject", "Full record"]);
    const [teamsUpdate] = await w.connector.waitFor("update", 1, approvalId);
    expect(JSON.stringify(cardOf(teamsUpdate!.body))).toContain("1 of 2 approvals: ana@example.com");
    expect(teamsCard).toBeDefined();

    // Ana clicks Approve on the card again: told privately, no modal.
    const posted = w.slackFake.records("chat.postMessage").find((r) => r.ok && about(approvalId)(r.body))!;
    const click = (user: string, actionId: string): Promise<SlackAnswer> =>
      w.slack.click(user, {
        actionId,
        value: approvalId,
        channelId: posted.reply.channel,
        messageTs: posted.reply.ts,
      });
    await click(SLACK_IDS.ana, "countersign.approve");
    const [told] = await w.slackFake.waitFor(
      "chat.postEphemeral",
      1,
      (b) => b.user === SLACK_IDS.ana && about(approvalId)(b),
    );
    expect(told!.text).toContain("already approved");
    expect(told!.channel).toBe(TREASURY_SLACK.id);
    // Her email link says the same.
    const link = /^Approve: (\S+)$/m.exec(anaMail!.text)![1]!.replace(w.t.app.config.publicUrl, w.t.url);
    const page = await fetch(link);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain("Already approved by you");

    // Ben approves from the card: the modal, then the decision; every copy shows who approved.
    await click(SLACK_IDS.ben, "countersign.approve");
    const [opened] = await w.slackFake.waitFor("views.open", 1, about(approvalId));
    expect(JSON.stringify(opened!.view.blocks)).toContain(
      "Approvals so far: 1 of 2 approvals: ana@example.com",
    );
    const submitted = await w.slack.submit(SLACK_IDS.ben, opened!.view, "Second look.");
    expect(submitted.body).toBe("");
    const [, last] = await w.slackFake.waitFor("chat.update", 2, about(approvalId));
    const text = JSON.stringify(last!.blocks);
    expect(text).toContain("Approved by ben@example.com");
    expect(text).toContain("2 of 2 approvals: ana@example.com, ben@example.com");
    expect(buttons(last!.blocks).filter((b) => b.action_id !== "countersign.open_record")).toEqual([]);
  });
});
