// Every Slack view we render validates against the Block Kit schema (../shared/schemas) and stays within
// Slack's limits, however large the input, however long the queue or the rationale.
import { describe, expect, it } from "vitest";
import { outcomeLine } from "../../blocks/decision.ts";
import {
  approvalCard,
  bulkDecideModal,
  bulkResultModal,
  decideModal,
  escalationMessage,
  helpMessage,
  historyMessage,
  type ModalView,
  overrideNoticeMessage,
  QUEUE_PAGE_SIZE,
  queueMessage,
  replyMessage,
  type SlackMessage,
} from "../../blocks/slack.ts";
import { approvalText } from "../../blocks/text.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { COMMAND_USAGE } from "../../bot/commands/usage.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";
import { schemaErrors, slackSchemas } from "../helpers/schemas.ts";

const PUBLIC = "https://countersign.example.com";
const LONG = "x".repeat(10_000);

/** Every text object, header, button and field within Slack's per-element limits (schema or not). */
function walkLimits(node: unknown, parent = ""): void {
  if (Array.isArray(node)) {
    for (const n of node) walkLimits(n, parent);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const o = node as Record<string, unknown>;
  if ((o.type === "mrkdwn" || o.type === "plain_text") && typeof o.text === "string") {
    const max = parent === "header" ? 150 : parent === "button" ? 75 : parent === "fields" ? 2000 : 3000;
    expect(o.text.length, `${parent} text`).toBeLessThanOrEqual(max);
  }
  for (const [k, v] of Object.entries(o))
    walkLimits(
      v,
      k === "fields" ? "fields" : k === "text" && typeof o.type === "string" ? String(o.type) : parent,
    );
}

function checkMessage(m: SlackMessage): void {
  expect(m.blocks.length).toBeGreaterThan(0);
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  expect(m.text.length).toBeLessThanOrEqual(3000);
  walkLimits(m.blocks);
  const ids = m.blocks.map((b) => b.block_id).filter(Boolean);
  expect(new Set(ids).size).toBe(ids.length);
  if (slackSchemas && !slackSchemas.blocks(m.blocks)) throw new Error(schemaErrors(slackSchemas.blocks));
}

function checkModal(v: ModalView): void {
  expect(v.blocks.length).toBeLessThanOrEqual(100);
  expect(v.title.text.length).toBeLessThanOrEqual(24);
  expect((v.private_metadata ?? "").length).toBeLessThanOrEqual(3000);
  walkLimits(v.blocks);
  if (slackSchemas && !slackSchemas.modal(v)) throw new Error(schemaErrors(slackSchemas.modal));
}

describe.skipIf(!slackSchemas)("Block Kit schema is loaded", () => {
  it("rejects what Slack rejects (the checks below can fail)", () => {
    expect(
      slackSchemas!.blocks([{ type: "section", text: { type: "mrkdwn", text: "x".repeat(3001) } }]),
    ).toBe(false);
    expect(
      slackSchemas!.modal({ type: "modal", title: { type: "plain_text", text: "x".repeat(25) }, blocks: [] }),
    ).toBe(false);
  });
});

describe("Slack renderings", () => {
  it("a pending card: the facts, Approve/Reject and the record link", () => {
    const card = approvalCard(approvalFacts(sampleApproval(), PUBLIC));
    checkMessage(card);
    const json = JSON.stringify(card.blocks);
    for (const fact of [
      "support-bot",
      "refund.issue",
      "financial",
      "financial-actions-require-approval (rule 0)",
      "2026-05-01 14:03 UTC",
      "2026-05-01 15:03 UTC",
      "on track",
      `${PUBLIC}/console/approvals/approval-call-abc123`,
    ]) {
      expect(json).toContain(fact);
    }
    expect(
      (card.blocks.at(-1)!.elements as { text: { text: string } }[]).map(
        (e: { text: { text: string } }) => e.text.text,
      ),
    ).toEqual(["Approve", "Reject", "Full record"]);
  });

  it("a huge input is truncated within the limits, pointing at the full record", () => {
    const input = {
      blob: "y".repeat(1_000_000),
      nested: Array.from({ length: 500 }, (_, i) => ({ i, note: "```<&>" })),
    };
    const facts = approvalFacts(
      sampleApproval({ input, agent: "a".repeat(400), tool: "t".repeat(400) }),
      PUBLIC,
    );
    expect(facts.inputTruncated).toBe(true);
    const card = approvalCard(facts);
    checkMessage(card);
    expect(JSON.stringify(card.blocks)).toContain("characters in all; open the full record");
    checkModal(decideModal(facts, "approve"));
    checkModal(decideModal(facts, "reject"));
  });

  it("decided cards show the outcome and no buttons, however long the rationale", () => {
    for (const view of [
      sampleDecided({ rationale: LONG }),
      sampleDecided({ decision: "reject", decidedBy: "ben@example.com", rationale: "<script>&" }),
      sampleDecided({
        kind: "override",
        decidedBy: "sam@example.com",
        grantBy: "sre-oncall",
        rationale: "CFO approved",
      }),
      sampleDecided(
        {
          decision: "reject",
          kind: "timeout",
          via: "sweeper",
          decidedBy: "countersign-sweeper",
          rationale: "no decision within 60 min",
        },
        { sla: "expired" },
      ),
    ]) {
      const card = approvalCard(approvalFacts(view, PUBLIC));
      checkMessage(card);
      expect(card.blocks.some((b) => b.type === "actions")).toBe(false);
    }
    expect(
      JSON.stringify(approvalCard(approvalFacts(sampleDecided({ rationale: "<script>&" }), PUBLIC)).blocks),
    ).toContain("&lt;script&gt;&amp;");
  });

  it("words outcomes as people read them", () => {
    expect(outcomeLine(sampleDecided({}).decision!)).toBe(
      "Approved by ana@example.com at 2026-05-01 14:10 UTC — Refund eligibility confirmed.",
    );
    expect(
      outcomeLine(
        sampleDecided({
          kind: "override",
          decidedBy: "sam@example.com",
          grantBy: "sre-oncall",
          rationale: "reason",
        }).decision!,
      ),
    ).toMatch(/^Overridden by sam@example.com under sre-oncall: reason/);
    expect(
      outcomeLine(
        sampleDecided({ kind: "timeout", decision: "reject", rationale: "no decision within 60 min" })
          .decision!,
      ),
    ).toBe("Expired — denied: no decision within 60 min");
  });

  it("a queue of 200 pending approvals pages within 50 blocks; history too", () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      approvalFacts(
        sampleApproval({
          id: `approval-call-${i.toString().padStart(12, "0")}`,
          agent: i % 2 ? "ops-bot" : "support-bot",
          sla: (["on_track", "at_risk", "breached"] as const)[i % 3]!,
        }),
        PUBLIC,
      ),
    );
    const page = queueMessage(many, { filter: { agent: "x".repeat(500) }, nextCursor: "c".repeat(300) });
    checkMessage(page);
    expect(
      page.blocks.filter((b) => (b.accessory as { type?: string } | undefined)?.type === "checkboxes"),
    ).toHaveLength(QUEUE_PAGE_SIZE);
    checkMessage(queueMessage([], { filter: {}, nextCursor: null }));
    checkMessage(
      historyMessage(
        many.map((f) => ({ ...f, pending: false, outcome: `Approved by ana@example.com — ${LONG}` })),
      ),
    );
    checkModal(
      bulkDecideModal(
        many.slice(0, QUEUE_PAGE_SIZE).map((f) => f.id),
        "approve",
      ),
    );
    checkModal(bulkResultModal(many.map((f) => ({ id: f.id, outcome: "already_decided", message: LONG }))));
  });

  it("escalation, override notice, replies and help", () => {
    const facts = approvalFacts(
      sampleDecided({
        kind: "override",
        decidedBy: "sam@example.com",
        grantBy: "sre-oncall",
        rationale: LONG,
      }),
      PUBLIC,
    );
    const links = Array.from({ length: 30 }, (_, i) => ({
      channel: `#channel-${i}`,
      url: `https://fake.slack.test/archives/C${i}/p1700000000000100`,
    }));
    checkMessage(
      escalationMessage(approvalFacts(sampleApproval({ sla: "breached" }), PUBLIC), {
        links,
        escalateTo: ["team:billing-leads", "user:cfo@example.com"],
        at: { level: 2, levels: 3 },
      }),
    );
    checkMessage(overrideNoticeMessage(facts, links));
    checkMessage(replyMessage(LONG, COMMAND_USAGE));
    checkMessage(helpMessage(COMMAND_USAGE));
  });

  it("has a plain-text fallback with the same facts", () => {
    const text = approvalText(approvalFacts(sampleDecided({}), PUBLIC));
    expect(text).toContain("approved: refund.issue for support-bot");
    expect(text).toContain("outcome:   Approved by ana@example.com");
  });
});
