// Approving with edits (require.edits: allowed): an approver changes the input before approving, on the
// API, the CLI, the Slack modal (typed fields for a flat schema, JSON otherwise) and the Teams card. The
// edit is held to the Tool's inputSchema (422 naming the field, nothing recorded); the tool runs once
// with it; the approval keeps originalInput beside input; the decision says edited; the audit trail, the
// cards, describe and the agent's view of the call all show what changed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions, signOffs } from "../../db/schema.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { backend } from "../helpers/db.ts";
import type { Body } from "../helpers/fake-slack.ts";
import { about, formPayload, viewSubmissionPayload } from "../helpers/slack-request.ts";
import {
  SLACK_IDS,
  settledCall,
  startTeamWorld,
  TEAM_USERS,
  type TeamWorld,
  waitingCall,
} from "../helpers/team-world.ts";
import { actionsOf, cardOf, elementsOf } from "../helpers/teams-request.ts";

const CREDIT = { invoice: "INV-1", amount: 900 };

describe(`approve with edits (${backend})`, () => {
  let w: TeamWorld;
  const tmp = mkdtempSync(path.join(tmpdir(), "countersign-edits-"));

  beforeAll(async () => {
    w = await startTeamWorld();
  });
  afterAll(async () => {
    await w.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const decideApi = (id: string, body: Record<string, unknown>, key = w.keys.ana) =>
    w.t.call("POST", `/v1/approvals/${id}`, { key, body: { decision: "approve", rationale: "ok", ...body } });
  const settled = (callId: string) => settledCall(w, callId);
  const ranWith = (toolPath: string, marker: string) =>
    w.tool.requests
      .filter((r) => r.path === toolPath && JSON.stringify(r.body).includes(marker))
      .map((r) => r.body);
  const nothingRecorded = async (id: string) => {
    const db = w.t.database.db;
    expect(await db.select().from(decisions).where(eq(decisions.approvalId, id))).toEqual([]);
    expect(await db.select().from(signOffs).where(eq(signOffs.approvalId, id))).toEqual([]);
    expect((await w.t.call("GET", `/v1/approvals/${id}`, { key: w.keys.ben })).body).toMatchObject({
      status: "pending",
      originalInput: null,
    });
  };

  it("runs the edited input once, keeps what was asked beside it, and tells the agent and the audit trail", async () => {
    const { callId, approvalId } = await waitingCall(w, "invoice.credit", { ...CREDIT, invoice: "INV-100" });
    const edited = { invoice: "INV-100", amount: 450, reason: "partial credit" };
    const res = await decideApi(approvalId, { rationale: "Half: the rest ships next week.", input: edited });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "approved",
      input: edited,
      originalInput: { invoice: "INV-100", amount: 900 },
      decision: { decision: "approve", edited: true, decidedBy: "ana@example.com" },
    });
    const call = await settled(callId);
    expect(call).toMatchObject({
      status: "succeeded",
      input: edited,
      originalInput: { invoice: "INV-100", amount: 900 },
    });
    expect(ranWith("/credit", "INV-100")).toEqual([edited]);

    const audit = await w.t.call("GET", `/v1/audit?approvalId=${approvalId}`, { key: w.t.adminKey });
    const decided = audit.body.items.find((e: { type: string }) => e.type === "approval.decided");
    expect(decided.data).toMatchObject({
      edited: true,
      originalInput: { invoice: "INV-100", amount: 900 },
      input: edited,
    });
    // Every card shows what changed, and that it was approved with edits.
    const [update] = await w.slackFake.waitFor("chat.update", 1, about(approvalId));
    const slack = update!.blocks.map((b: Body) => b.text?.text ?? "").join("\n");
    expect(slack).toContain("*Changed by the approver*");
    expect(slack).toContain('amount: 900 → 450\n+ reason: "partial credit"');
    expect(slack).toContain("Approved with edits by ana@example.com");
    const [teams] = await w.connector.waitFor("update", 1, approvalId);
    expect(JSON.stringify(cardOf(teams!.body))).toContain("amount: 900 → 450");
    // describe shows the diff too.
    const described = await runCliInProcess(["describe", "approval", approvalId], {
      env: { COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: w.t.adminKey },
    });
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(
      'Changed by the approver\n  amount: 900 → 450\n  + reason: "partial credit"',
    );
  });

  it("refuses an edit the Tool's schema refuses with 422 naming the field, and records nothing", async () => {
    const { approvalId } = await waitingCall(w, "invoice.credit", CREDIT);
    const tooMuch = await decideApi(approvalId, { input: { invoice: "INV-1", amount: 9000 } });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error).toMatchObject({ code: "invalid_input", field: "input.amount" });
    expect(tooMuch.body.error.message).toBe("input.amount: must be <= 5000");
    const extra = await decideApi(approvalId, { input: { ...CREDIT, note: "x" } });
    expect(extra.body.error).toMatchObject({ code: "invalid_input", field: "input" });
    expect(extra.body.error.message).toContain('unexpected property "note"');
    const notObject = await decideApi(approvalId, { input: [1, 2] });
    expect(notObject.body.error).toMatchObject({
      code: "invalid_input",
      message: "input: must be a JSON object",
    });
    const withReject = await w.t.call("POST", `/v1/approvals/${approvalId}`, {
      key: w.keys.ana,
      body: { decision: "reject", rationale: "no", input: CREDIT },
    });
    expect(withReject.status).toBe(400);
    expect(withReject.body.error.message).toMatch(/^input: only an approval carries an edited input/);
    await nothingRecorded(approvalId);
  });

  it("refuses edits on a rule without edits: allowed with 422 edits_not_allowed", async () => {
    const { approvalId } = await waitingCall(w, "refund.issue", { ticket: "T-1" });
    const res = await decideApi(approvalId, { input: { ticket: "T-2" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("edits_not_allowed");
    expect(res.body.error.message).toBe(
      `${approvalId} cannot be approved with edits: policy treasury-controls rule 2 does not say edits: allowed`,
    );
    await nothingRecorded(approvalId);
  });

  it("takes an input equal to the agent's as no edit at all", async () => {
    const { approvalId } = await waitingCall(w, "invoice.credit", { ...CREDIT, invoice: "INV-SAME" });
    const res = await decideApi(approvalId, { input: { amount: 900, invoice: "INV-SAME" } });
    expect(res.body).toMatchObject({ status: "approved", originalInput: null, decision: { edited: false } });
  });

  it("takes --input as JSON or @FILE on the CLI, and refuses JSON it cannot read (exit 2)", async () => {
    const env = { COUNTERSIGN_URL: w.t.url, COUNTERSIGN_KEY: w.keys.ben };
    const inline = await waitingCall(w, "invoice.credit", { ...CREDIT, invoice: "INV-CLI1" });
    const a = await runCliInProcess(
      [
        "approvals",
        "decide",
        inline.approvalId,
        "--decision",
        "approve",
        "--rationale",
        "Capped.",
        "--input",
        '{"invoice":"INV-CLI1","amount":100}',
      ],
      { env },
    );
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`Approved with edits ${inline.approvalId} as ben@example.com: “Capped.”`);
    await settled(inline.callId);
    expect(ranWith("/credit", "INV-CLI1")).toEqual([{ invoice: "INV-CLI1", amount: 100 }]);

    const fromFile = await waitingCall(w, "invoice.credit", { ...CREDIT, invoice: "INV-CLI2" });
    writeFileSync(path.join(tmp, "credit.json"), JSON.stringify({ invoice: "INV-CLI2", amount: 200 }));
    const b = await runCliInProcess(
      [
        "approvals",
        "decide",
        fromFile.approvalId,
        "--decision",
        "approve",
        "--rationale",
        "From file.",
        "--input",
        "@credit.json",
      ],
      { env, cwd: tmp },
    );
    expect(b.code).toBe(0);
    const bad = await runCliInProcess(
      ["approvals", "decide", fromFile.approvalId, "--decision", "approve", "--input", "{amount: 1}"],
      { env },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not valid JSON");
    const invalid = await waitingCall(w, "invoice.credit", { ...CREDIT, invoice: "INV-CLI3" });
    const refused = await runCliInProcess(
      [
        "approvals",
        "decide",
        invalid.approvalId,
        "--decision",
        "approve",
        "--rationale",
        "x",
        "--input",
        '{"invoice":"INV-CLI3","amount":-5}',
      ],
      { env },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: input.amount: must be > 0");
  });

  /** Opens the decide modal from the posted Slack card; answers the view Slack was asked to open. */
  async function openModal(approvalId: string, user: string = SLACK_IDS.ana): Promise<Body> {
    const posted = await w.slackFake
      .waitFor("chat.postMessage", 1, about(approvalId))
      .then(() => w.slackFake.records("chat.postMessage").find((r) => r.ok && about(approvalId)(r.body))!);
    const before = w.slackFake.calls("views.open").filter(about(approvalId)).length;
    await w.slack.click(user, {
      actionId: "countersign.approve",
      value: approvalId,
      channelId: posted.reply.channel,
      messageTs: posted.reply.ts,
    });
    const opened = await w.slackFake.waitFor("views.open", before + 1, about(approvalId));
    return opened.at(-1)!.view;
  }

  /** Submits the modal with the rationale and what the edit inputs hold (by block id). */
  function submit(view: Body, rationale: string, edits: Record<string, Body>) {
    const payload = viewSubmissionPayload(SLACK_IDS.ana, view, rationale);
    const values: Body = payload.view.state.values;
    for (const [block, state] of Object.entries(edits)) values[block] = { value: state };
    return w.slack.send(formPayload(payload));
  }

  it("offers a flat schema's fields in the Slack modal, shows refusals at the field, and decides with the edit", async () => {
    const { callId, approvalId } = await waitingCall(w, "invoice.credit", {
      ...CREDIT,
      invoice: "INV-SLACK",
    });
    const view = await openModal(approvalId);
    const inputs = view.blocks.filter((b: Body) => b.type === "input");
    expect(inputs.map((b: Body) => [b.block_id, b.element.type, b.optional])).toEqual([
      ["edit:invoice", "plain_text_input", false],
      ["edit:amount", "number_input", false],
      ["edit:reason", "plain_text_input", true],
      ["edit:urgent", "static_select", true],
      ["rationale", "plain_text_input", false],
    ]);
    expect(inputs[1].element).toMatchObject({ initial_value: "900", is_decimal_allowed: true });
    const fields = (amount: string) => ({
      "edit:invoice": { type: "plain_text_input", value: "INV-SLACK" },
      "edit:amount": { type: "number_input", value: amount },
      "edit:reason": { type: "plain_text_input", value: null },
      "edit:urgent": { type: "static_select", selected_option: { value: "true" } },
    });
    const tooMuch = await submit(view, "Capped.", fields("9000"));
    expect(tooMuch.body).toEqual({
      response_action: "errors",
      errors: { "edit:amount": expect.stringContaining("input.amount: must be <= 5000") },
    });
    const words = await submit(view, "Capped.", fields("lots"));
    expect(words.body).toEqual({ response_action: "errors", errors: { "edit:amount": "must be a number" } });
    await nothingRecorded(approvalId);

    expect((await submit(view, "Capped at 500.", fields("500"))).body).toBe("");
    expect(await settled(callId)).toMatchObject({
      status: "succeeded",
      originalInput: { ...CREDIT, invoice: "INV-SLACK" },
    });
    expect(ranWith("/credit", "INV-SLACK")).toEqual([{ invoice: "INV-SLACK", amount: 500, urgent: true }]);
  });

  it("offers a nested input as JSON in the Slack modal", async () => {
    const entries = [{ account: "4000", cents: 1250 }];
    const { callId, approvalId } = await waitingCall(w, "ledger.fix", { entries });
    const view = await openModal(approvalId);
    const json = view.blocks.find((b: Body) => b.block_id === "edit:json");
    expect(JSON.parse(json.element.initial_value)).toEqual({ entries });
    const broken = await submit(view, "Fix.", {
      "edit:json": { type: "plain_text_input", value: "{entries:" },
    });
    expect(broken.body.errors["edit:json"]).toMatch(/^not valid JSON/);
    const wrong = await submit(view, "Fix.", {
      "edit:json": { type: "plain_text_input", value: '{"entries":[{"account":"4000","cents":"12.50"}]}' },
    });
    expect(wrong.body.errors["edit:json"]).toContain("input.entries.0.cents: must be integer");
    const fixed = { entries: [{ account: "4000", cents: 1205 }] };
    expect(
      (
        await submit(view, "Typo in cents.", {
          "edit:json": { type: "plain_text_input", value: JSON.stringify(fixed) },
        })
      ).body,
    ).toBe("");
    expect(await settled(callId)).toMatchObject({ status: "succeeded", input: fixed });
  });

  it("takes the edit from the Teams card's inputs", async () => {
    const { callId, approvalId } = await waitingCall(w, "invoice.credit", {
      ...CREDIT,
      invoice: "INV-TEAMS",
    });
    const [posted] = await w.connector.waitFor("post", 1, approvalId);
    const card = cardOf(posted!.body);
    expect(elementsOf(card, "Input.Number")).toEqual([
      expect.objectContaining({ id: "edit:amount", value: 900, isRequired: true }),
    ]);
    expect(
      actionsOf(card)
        .filter((a) => a.type === "Action.Execute")
        .map((a) => a.verb),
    ).toEqual(["approve", "reject"]);
    const data = { approvalId, rationale: "Partial.", "edit:invoice": "INV-TEAMS", "edit:amount": "6000" };
    const refused = await w.teams.press(TEAM_USERS.ben, "approve", data);
    const back = refused.body.value;
    expect(JSON.stringify(back)).toContain("input.amount: must be <= 5000");
    // What was typed comes back with the card.
    expect(elementsOf(back, "Input.Number")[0]).toMatchObject({ value: 6000 });
    await nothingRecorded(approvalId);
    const ok = await w.teams.press(TEAM_USERS.ben, "approve", { ...data, "edit:amount": "300" });
    expect(JSON.stringify(ok.body.value)).toContain("Approved with edits by ben@example.com");
    expect(await settled(callId)).toMatchObject({
      status: "succeeded",
      input: { invoice: "INV-TEAMS", amount: 300 },
    });
  });
});
