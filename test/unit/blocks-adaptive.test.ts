// Every Teams card we render is a valid Adaptive Card 1.5 (../shared/schemas) and stays within Teams'
// message size, however large the input, however long the names, the rationale or the queue.
import { describe, expect, it } from "vitest";
import {
  type AdaptiveCard,
  approvalCard,
  escalationCard,
  helpCard,
  historyCard,
  overrideNoticeCard,
  queueCard,
  replyCard,
} from "../../blocks/adaptive.ts";
import { assertCardBytes, cardBytes, TEAMS_LIMITS } from "../../blocks/limits.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { parseCommand } from "../../bot/commands/parser.ts";
import { COMMAND_USAGE } from "../../bot/commands/usage.ts";
import type { Approval, Decision } from "../../sdk/types.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";
import { actionsOf, assertAdaptiveCard, elementsOf } from "../helpers/teams-request.ts";

/** A lone escalation at the breach (the single escalateTo form). */
const ONE_LEVEL = { level: 1, levels: 1 };

const PUBLIC = "https://countersign.example.com";
const LONG = "x".repeat(10_000);

// Teams renders what arrived on Teams: the channel and the decision's `via` say so.
const TEAMS = { channels: ["teams:19:billing@thread.tacv2"] } satisfies Partial<Approval>;
const approval = (over: Partial<Approval> = {}) => sampleApproval({ ...TEAMS, ...over });
const decided = (d: Partial<Decision>, over: Partial<Approval> = {}) =>
  sampleDecided({ via: "teams", rationale: "Customer was double-charged", ...d }, { ...TEAMS, ...over });

const facts = (a: Approval) => approvalFacts(a, PUBLIC);
const text = (c: unknown) => JSON.stringify(c);

function valid(c: AdaptiveCard): AdaptiveCard {
  assertAdaptiveCard(c as unknown as Record<string, unknown>);
  expect(cardBytes(c)).toBeLessThanOrEqual(TEAMS_LIMITS.cardBytes);
  return c;
}

describe("Adaptive Card renderers", () => {
  it("renders a pending approval with its facts, a required rationale and Action.Execute buttons", () => {
    const c = valid(approvalCard(facts(approval({ sla: "at_risk" }))));
    for (const fact of [
      "support-bot",
      "refund.issue",
      "financial",
      "(rule 0)",
      "2026-05-01 14:03 UTC",
      "2026-05-01 15:03 UTC",
      "🟡 at risk",
      "team:billing-leads",
      '\\"amount\\": 42',
    ]) {
      expect(text(c)).toContain(fact);
    }
    expect(elementsOf(c, "Input.Text")).toEqual([
      expect.objectContaining({ id: "rationale", isRequired: true, label: "Rationale", maxLength: 3000 }),
    ]);
    expect(c.actions).toEqual([
      {
        type: "Action.Execute",
        title: "Approve",
        verb: "approve",
        data: { approvalId: "approval-call-abc123" },
        style: "positive",
      },
      {
        type: "Action.Execute",
        title: "Reject",
        verb: "reject",
        data: { approvalId: "approval-call-abc123" },
        style: "destructive",
      },
      {
        type: "Action.OpenUrl",
        title: "Full record",
        url: `${PUBLIC}/console/approvals/approval-call-abc123`,
      },
    ]);
  });

  it("marks the rationale optional where the rule says so", () => {
    const card = valid(approvalCard(facts(approval({ rationaleRequired: false }))));
    const [input] = elementsOf(card as unknown as Record<string, unknown>, "Input.Text");
    expect(input).toMatchObject({ isRequired: false, label: "Rationale (optional)" });
    expect(input).not.toHaveProperty("errorMessage");
  });

  it.each([
    [
      "approved",
      decided({}),
      "Approved by ana@example.com at 2026-05-01 14:10 UTC — Customer was double-charged",
    ],
    ["rejected", decided({ decision: "reject", rationale: "Duplicate" }), "Rejected by ana@example.com"],
    [
      "expired",
      decided({ kind: "timeout", decision: "reject", rationale: "no decision within 60 minutes" }),
      "Expired — denied",
    ],
    [
      "overridden",
      decided({ kind: "override", grantBy: "sre-oncall", decidedBy: "sam@example.com" }),
      "Overridden by sam@example.com under sre-oncall",
    ],
  ])("shows a %s approval's outcome with nothing left to press", (_s, a, outcome) => {
    const c = valid(approvalCard(facts(a)));
    expect(text(c)).toContain(outcome);
    expect(elementsOf(c, "Input.Text")).toHaveLength(0);
    expect(actionsOf(c)).toHaveLength(0);
  });

  it("puts a notice above the card and keeps what was typed", () => {
    const c = valid(
      approvalCard(facts(approval()), {
        notice: { tone: "error", text: "a rationale is required" },
        rationale: "half-typed",
      }),
    );
    expect(c.body[0]).toMatchObject({ type: "Container", style: "attention" });
    expect(text(c.body[0])).toContain("a rationale is required");
    expect(elementsOf(c, "Input.Text")[0]).toMatchObject({ value: "half-typed" });
  });

  it("stays within Teams' message size with huge input, names and rationale", () => {
    const huge = approval({
      agent: LONG,
      tool: LONG,
      action: LONG,
      policy: LONG,
      approvers: Array.from({ length: 300 }, (_, i) => `approver-${i}@example.com`),
      approverRefs: [],
      input: { blob: "y".repeat(1_000_000), nested: Array.from({ length: 5000 }, (_, i) => ({ i })) },
    });
    valid(approvalCard(facts(huge), { notice: { tone: "error", text: LONG }, rationale: LONG }));
    valid(approvalCard(facts({ ...huge, ...decided({ rationale: LONG }) })));
    valid(
      escalationCard(facts(huge), {
        escalateTo: Array.from({ length: 500 }, () => "team:someone"),
        at: ONE_LEVEL,
      }),
    );
    valid(
      overrideNoticeCard(
        facts({ ...huge, ...decided({ kind: "override", grantBy: LONG, rationale: LONG }) }),
      ),
    );
    valid(
      queueCard(
        Array.from({ length: 200 }, () => facts(huge)),
        { filter: { agent: LONG }, nextCursor: "c" },
      ),
    );
    valid(
      historyCard(Array.from({ length: 200 }, () => facts({ ...huge, ...decided({ rationale: LONG }) }))),
    );
    expect(text(approvalCard(facts(huge)))).toContain("Input (truncated)");
  });

  it("refuses a card over Teams' budget (a renderer bug, never user input)", () => {
    expect(() => assertCardBytes({ body: "z".repeat(TEAMS_LIMITS.cardBytes) }, "test card")).toThrow(
      /test card is \d+ bytes; Teams cards must stay under 26000/,
    );
  });

  it("does not let agent text become a link where Teams renders markdown", () => {
    const c = approvalCard(facts(approval({ agent: "[Approve here](https://evil.example)" })));
    expect(JSON.stringify(c.body)).toContain("Approve here");
    expect(JSON.stringify(c.body)).not.toContain("](https://evil.example)");
  });

  it("pages the queue, each row opening its approval, with a next-page action", () => {
    const items = Array.from({ length: 40 }, (_, i) => facts(approval({ id: `approval-call-${i}` })));
    const c = valid(queueCard(items, { filter: { tool: "refund.issue" }, nextCursor: "cursor-1" }));
    const opens = actionsOf(c).filter((a) => a.verb === "describe");
    expect(opens).toHaveLength(TEAMS_LIMITS.queueRows);
    expect(opens[0]!.data).toEqual({ approvalId: "approval-call-0" });
    expect(c.actions).toEqual([
      expect.objectContaining({
        verb: "page",
        data: { cursor: "cursor-1", agent: undefined, tool: "refund.issue" },
      }),
    ]);
    expect(text(valid(queueCard([], { filter: {}, nextCursor: null })))).toContain("Nothing is waiting");
  });

  it("renders the escalation, the override notice, help and replies as valid cards", () => {
    expect(
      text(
        valid(
          escalationCard(facts(approval({ sla: "breached" })), { escalateTo: ["team:leads"], at: ONE_LEVEL }),
        ),
      ),
    ).toContain("Escalated to team:leads");
    const notice = valid(overrideNoticeCard(facts(decided({ kind: "override", grantBy: "sre-oncall" }))));
    expect(text(notice)).toContain("Override of approval-call-abc123");
    valid(replyCard({ tone: "error", text: "unknown command" }, COMMAND_USAGE));
    valid(historyCard([facts(decided({}))]));
  });

  it("documents every command word the parser takes", () => {
    const help = text(valid(helpCard(COMMAND_USAGE)));
    for (const { words } of COMMAND_USAGE) {
      const example = words
        .replace("[--agent A] [--tool T]", "")
        .replace("ID", "approval-1")
        .replace("approve|reject", "approve")
        .replace("RATIONALE", "because")
        .replace("ROLE", "sre-oncall")
        .replace('"…"', "why");
      expect(parseCommand(example).kind).not.toBe("usage");
      expect(help).toContain(words.split(" ")[0]);
    }
  });
});
