// The words and forms of team approvals, as every surface renders them: where a quorum stands, who asked,
// what an approver changed (one diff), the form for approving with edits (typed fields for a flat schema,
// JSON otherwise) and what it reads back, escalation levels and reminders. Every Slack view and Teams
// card stays valid for its platform.
import { describe, expect, it } from "vitest";
import { escalationCard, approvalCard as teamsCard } from "../../blocks/adaptive.ts";
import { editInputs, editValues as teamsValues } from "../../blocks/adaptive-edit.ts";
import { alreadyApprovedByYou, outcomeLine, quorumProgress } from "../../blocks/decision.ts";
import { diffLines, inputChanges } from "../../blocks/diff.ts";
import {
  editForm,
  FORM_FIELDS_MAX,
  formFieldOf,
  readEditedInput,
  withValues,
} from "../../blocks/edit-form.ts";
import { approvalEmail, escalationEmail, reminderEmail } from "../../blocks/email.ts";
import { escalationLead, reminderLead } from "../../blocks/nudges.ts";
import {
  approvalCard,
  bulkResultModal,
  decideModal,
  escalationMessage,
  reminderMessage,
} from "../../blocks/slack.ts";
import { editBlocks, editValues as slackValues } from "../../blocks/slack-edit.ts";
import { approvalText } from "../../blocks/text.ts";
import { approvalFacts } from "../../blocks/view.ts";
import type { Approval } from "../../sdk/types.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";
import { assertMessageBlocks, assertModal } from "../helpers/schemas.ts";
import { assertAdaptiveCard, elementsOf } from "../helpers/teams-request.ts";

const PUBLIC = "https://countersign.example.com";
const facts = (over: Partial<Approval> = {}) => approvalFacts(sampleApproval(over), PUBLIC);
const ANA = {
  decidedBy: "ana@example.com",
  decidedAt: "2026-05-01T14:05:00.000Z",
  via: "slack",
  rationale: "ok",
};
const SCHEMA = {
  type: "object",
  properties: {
    invoice: { type: "string" },
    amount: { type: "number" },
    count: { type: "integer" },
    urgent: { type: "boolean" },
    currency: { type: "string", enum: ["EUR", "USD"] },
  },
  required: ["invoice", "amount"],
};

describe("quorum, requester and edits in the neutral view", () => {
  it("says where a quorum stands and who approved, the same everywhere", () => {
    expect(quorumProgress([], 2)).toBe("0 of 2 approvals");
    expect(quorumProgress([ANA, { decidedBy: "ben@example.com" }], 2)).toBe(
      "2 of 2 approvals: ana@example.com, ben@example.com",
    );
    expect(alreadyApprovedByYou("approval-x", ANA, [ANA], 3)).toBe(
      "You (ana@example.com) already approved approval-x at 2026-05-01T14:05:00.000Z; it waits for 2 more approvals (1 of 3 approvals: ana@example.com)",
    );
    const f = facts({ requiredApprovals: 2, approvals: [ANA], requestedBy: "lee@example.com" });
    expect(f.quorum).toBe("1 of 2 approvals: ana@example.com");
    expect(f.requestedBy).toBe("lee@example.com");
    expect(facts().quorum).toBeNull();
    const text = approvalText(f);
    expect(text).toContain("  asked by:  lee@example.com");
    expect(text).toContain("  approvals: 1 of 2 approvals: ana@example.com");
  });

  it("diffs an edit field by field, nested and clipped", () => {
    const before = { amount: 900, currency: "EUR", items: [{ sku: "a" }], note: "x" };
    const after = { amount: 450, items: [{ sku: "b" }], note: "x", reason: "y".repeat(200) };
    expect(inputChanges(before, after).map((c) => [c.path, c.kind])).toEqual([
      ["amount", "changed"],
      ["currency", "removed"],
      ["items[0].sku", "changed"],
      ["reason", "added"],
    ]);
    const lines = diffLines(before, after);
    expect(lines.slice(0, 3)).toEqual(["amount: 900 → 450", '− currency: "EUR"', 'items[0].sku: "a" → "b"']);
    expect(lines[3]!.length).toBeLessThan(100);
    expect(lines[3]!.endsWith("…")).toBe(true);
    expect(diffLines({ a: 1 }, { a: 1 })).toEqual([]);
    const edited = sampleDecided(
      { edited: true },
      { originalInput: { ticket: "T-1", amount: 42 }, input: { ticket: "T-1", amount: 40 } },
    );
    const f = approvalFacts(edited, PUBLIC);
    expect(f.changes).toEqual(["amount: 42 → 40"]);
    expect(f.outcome).toMatch(/^Approved with edits by ana@example.com at /);
    expect(outcomeLine({ ...edited.decision!, edited: false })).toMatch(/^Approved by /);
  });
});

describe("the form for approving with edits", () => {
  it("gives a flat schema one typed field per property, and anything else one JSON text", () => {
    const form = editForm(SCHEMA, { invoice: "INV-1", amount: 9.5, urgent: false });
    expect(form).toEqual({
      kind: "fields",
      fields: [
        { name: "invoice", kind: "text", value: "INV-1", required: true },
        { name: "amount", kind: "number", integer: false, value: "9.5", required: true },
        { name: "count", kind: "number", integer: true, value: "", required: false },
        { name: "urgent", kind: "boolean", value: false, required: false },
        { name: "currency", kind: "choice", options: ["EUR", "USD"], value: "", required: false },
      ],
    });
    const nested = { type: "object", properties: { items: { type: "array" } } };
    expect(editForm(nested, { items: [1] })).toEqual({
      kind: "json",
      value: '{\n  "items": [\n    1\n  ]\n}',
    });
    expect(editForm(undefined, { a: 1 }).kind).toBe("json");
    // A property the schema does not name would be lost in the fields: JSON keeps it.
    expect(editForm(SCHEMA, { invoice: "INV-1", amount: 1, extra: true }).kind).toBe("json");
    const wide = {
      type: "object",
      properties: Object.fromEntries(
        Array.from({ length: FORM_FIELDS_MAX + 1 }, (_, i) => [`f${i}`, { type: "string" }]),
      ),
    };
    expect(editForm(wide, {}).kind).toBe("json");
  });

  it("reads typed values back, leaving out what was emptied, and names what cannot be read", () => {
    const form = editForm(SCHEMA, { invoice: "INV-1", amount: 9.5 });
    expect(
      readEditedInput(form, {
        invoice: " INV-2 ",
        amount: "10",
        count: "3",
        urgent: "true",
        currency: "USD",
      }),
    ).toEqual({
      ok: true,
      input: { invoice: " INV-2 ", amount: 10, count: 3, urgent: true, currency: "USD" },
    });
    // Untouched, the form gives back the same input (so it is no edit).
    expect(readEditedInput(form, { invoice: "INV-1", amount: "9.5" })).toEqual({
      ok: true,
      input: { invoice: "INV-1", amount: 9.5 },
    });
    expect(readEditedInput(form, { invoice: "INV-1", amount: "ten", count: "1.5", urgent: "maybe" })).toEqual(
      {
        ok: false,
        errors: {
          amount: "must be a number",
          count: "must be a whole number",
          urgent: "must be true or false",
        },
      },
    );
    const json = editForm(undefined, { a: 1 });
    expect(readEditedInput(json, { json: '{"a":2}' })).toEqual({ ok: true, input: { a: 2 } });
    expect(readEditedInput(json, { json: "[1]" })).toEqual({
      ok: false,
      errors: { json: "must be a JSON object ({…})" },
    });
    expect(readEditedInput(json, { json: "{a:" })).toMatchObject({
      ok: false,
      errors: { json: expect.stringMatching(/^not valid JSON: /) },
    });
    expect(formFieldOf(form, "input.amount")).toBe("amount");
    expect(formFieldOf(form, "input.nope")).toBeUndefined();
    expect(formFieldOf(json, "input.a.b")).toBe("json");
    const typed = withValues(form, { amount: "12" });
    expect(typed.kind === "fields" && typed.fields.map((f) => f.value)).toEqual([
      "INV-1",
      "12",
      "",
      undefined,
      "",
    ]);
  });

  it("draws the form in the Slack modal as valid Block Kit, and reads the submission back", () => {
    const f = facts({ editsAllowed: true, requestedBy: "lee@example.com", requiredApprovals: 1 });
    const form = editForm(SCHEMA, { invoice: "INV-1", amount: 9.5, urgent: true, currency: "EUR" });
    const edit = editBlocks(form, f.id);
    expect(edit.editable).toBe(true);
    const modal = decideModal(f, "approve", edit);
    assertModal(modal);
    expect(JSON.parse(modal.private_metadata!)).toEqual({ id: f.id, decision: "approve", edit: true });
    expect(JSON.stringify(modal.blocks[0])).toContain("Asked for by lee@example.com.");
    const state = {
      "edit:invoice": { value: { type: "plain_text_input", value: "INV-9" } },
      "edit:amount": { value: { type: "number_input", value: "8" } },
      "edit:urgent": { value: { type: "static_select", selected_option: { value: "false" } } },
      "edit:currency": { value: { type: "static_select", selected_option: null } },
    };
    expect(slackValues(form, state)).toEqual({
      invoice: "INV-9",
      amount: "8",
      count: undefined,
      urgent: "false",
      currency: undefined,
    });
    const json = editBlocks(editForm(undefined, { a: 1 }), f.id);
    assertModal(decideModal(f, "approve", json));
    // Too large for a Slack input: a note instead, with the preview; the modal takes no edit.
    const huge = editBlocks(editForm(undefined, { blob: "x".repeat(4000) }), f.id);
    expect(huge.editable).toBe(false);
    const noted = decideModal(f, "approve", huge);
    assertModal(noted);
    expect(JSON.parse(noted.private_metadata!).edit).toBeUndefined();
    expect(JSON.stringify(noted.blocks)).toContain("--input @FILE");
  });

  it("draws the form on the Teams card as a valid Adaptive Card, and reads the action's data back", () => {
    const form = editForm(SCHEMA, { invoice: "INV-1", amount: 9.5 });
    const card = teamsCard(facts({ editsAllowed: true }), { editInputs: editInputs(form) });
    assertAdaptiveCard(card as unknown as Record<string, unknown>);
    expect(elementsOf(card as unknown as Record<string, unknown>, "Input.Number").map((i) => i.id)).toEqual([
      "edit:amount",
      "edit:count",
    ]);
    expect(teamsValues(form, { "edit:invoice": "INV-2", "edit:amount": 7, "edit:urgent": "" })).toMatchObject(
      {
        invoice: "INV-2",
        amount: "7",
        urgent: "",
      },
    );
    assertAdaptiveCard(
      teamsCard(facts(), { editInputs: editInputs(editForm(undefined, { a: [1, 2] })) }) as never,
    );
    // More than the card can hold: no inputs (edit from the CLI or API).
    expect(editInputs(editForm(undefined, { blob: "x".repeat(20_000) }))).toEqual([]);
  });
});

describe("cards, escalations and reminders", () => {
  const quorumFacts = facts({
    requiredApprovals: 2,
    approvals: [ANA],
    requestedBy: "lee@example.com",
    originalInput: { ticket: "T-1", amount: 50 },
  });

  it("shows who asked, the count and the changes on every card, validly", () => {
    const slack = approvalCard(quorumFacts);
    assertMessageBlocks(slack.blocks);
    const json = JSON.stringify(slack.blocks);
    expect(json).toContain("*Requested by*\\nlee@example.com");
    expect(json).toContain("*Approvals:* 1 of 2 approvals: ana@example.com");
    expect(json).toContain("amount: 50 → 42");
    const teams = teamsCard(quorumFacts);
    assertAdaptiveCard(teams as never);
    expect(JSON.stringify(teams)).toContain(
      '"title":"Approvals","value":"1 of 2 approvals: ana@example.com"',
    );
    const mail = approvalEmail(quorumFacts);
    expect(mail.html).toContain(
      '<th align="left" style="padding:2px 12px 2px 0;vertical-align:top">Requested by</th><td>lee@example.com</td>',
    );
    expect(mail.text).toContain("changed by the approver:\n    amount: 50 → 42");
  });

  it("leads an escalation with its level, and a lone one at the breach as before", () => {
    const breached = facts({ sla: "breached" });
    expect(escalationLead(breached, { level: 1, levels: 1 })).toMatch(
      /^SLA breached: support-bot has waited since /,
    );
    expect(escalationLead(facts({ sla: "at_risk" }), { level: 2, levels: 3 })).toMatch(
      /^Escalation 2 of 3 \(at risk\): /,
    );
    const message = escalationMessage(breached, {
      links: [],
      escalateTo: ["sam@example.com"],
      at: { level: 3, levels: 3 },
    });
    assertMessageBlocks(message.blocks);
    expect(message.text).toMatch(/^Escalation 3 of 3: /);
    assertAdaptiveCard(escalationCard(breached, { escalateTo: [], at: { level: 2, levels: 3 } }) as never);
    expect(escalationEmail(breached, { escalateTo: [], at: { level: 2, levels: 3 } }).subject).toMatch(
      /^Escalation 2 of 3: refund.issue/,
    );
  });

  it("carries the card again in a reminder, led by who is still awaited", () => {
    const f = facts();
    expect(reminderLead(f, ["ben@example.com"])).toMatch(
      /^Reminder: support-bot has waited since 2026-05-01 14:03 UTC for refund.issue \(financial\); still awaited: ben@example.com\. Expires /,
    );
    const slack = reminderMessage(f, ["ben@example.com"]);
    assertMessageBlocks(slack.blocks);
    expect(slack.text).toMatch(/^Reminder: Approval needed/);
    expect(JSON.stringify(slack.blocks)).toContain("countersign.approve");
    const mail = reminderEmail(f, ["ben@example.com"], { approve: "https://x/a", reject: "https://x/r" });
    expect(mail.subject).toBe(
      "Reminder: Approval needed: refund.issue for support-bot (financial) — approval-call-abc123",
    );
    expect(mail.html).toContain('href="https://x/a"');
  });

  it("names every bulk outcome, the quorum's and separation of duties' included", () => {
    const modal = bulkResultModal([
      { id: "a", outcome: "counted", message: "1 of 2 approvals: ana@example.com" },
      { id: "b", outcome: "self_approval", message: "…" },
      { id: "c", outcome: "already_approved_by_you" },
    ]);
    assertModal(modal);
    const text = JSON.stringify(modal.blocks);
    expect(text).toContain("approval counted — 1 of 2 approvals");
    expect(text).toContain("you asked for it");
    expect(text).toContain("already approved by you");
  });
});
