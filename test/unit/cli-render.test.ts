// What the terminal shows: relative times, aligned tables, SLA badges, the describe sections, and colour
// only where a terminal asked for it.
import { describe, expect, it } from "vitest";
import { queueTable, slaBadge } from "../../cli/render/approval.ts";
import { describeApproval } from "../../cli/render/describe.ts";
import { createStyle, stripAnsi, visibleWidth, wantsColor } from "../../cli/render/style.ts";
import { table } from "../../cli/render/table.ts";
import { relativeTime } from "../../cli/render/time.ts";
import type { Approval } from "../../sdk/types.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";

const NOW = new Date("2025-03-01T12:00:00Z");
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
const ESC = /\x1b\[/;

// Times relative to NOW, so the table's "3m ago" and "in 57m" hold; a bigger refund, two channels.
const CLI = {
  input: { ticket: "T-1042", amount: 129.5 },
  approvers: ["ana@example.com", "ben@example.com"],
  channels: ["slack:#billing-approvals", "email:billing-leads@example.com"],
  createdAt: at(-3),
  expiresAt: at(57),
  slaAtRiskAt: at(27),
  slaBreachAt: at(45),
} satisfies Partial<Approval>;
const approval = (over: Partial<Approval> = {}) => sampleApproval({ ...CLI, ...over });

describe("relative times", () => {
  it.each([
    [42, "in 42m"],
    [-3, "3m ago"],
    [-125, "2h 5m ago"],
    [120, "in 2h"],
    [0.5, "in 30s"],
    [-3 * 24 * 60, "3d ago"],
    [0, "just now"],
  ])("%s minutes from now reads %s", (minutes, expected) => {
    expect(relativeTime(at(minutes), NOW)).toBe(expected);
  });

  it("rounds down, so an hour is not shown before it has come", () => {
    expect(relativeTime(new Date(NOW.getTime() + 59 * 60_000 + 59_000), NOW)).toBe("in 59m");
  });
});

describe("tables", () => {
  it("aligns columns by what is visible, colour escapes not counted", () => {
    const s = createStyle(true);
    const lines = table(
      ["ID", "SLA", "AGE"],
      [
        [s.bold("a"), s.red("✖ BREACHED"), "1m ago"],
        ["longer-id", "● on track", "12m ago"],
      ],
    );
    const plain = lines.map(stripAnsi);
    const column = (text: string) => plain.map((l) => l.indexOf(text));
    expect(column("SLA")[0]).toBe(plain[1]!.indexOf("✖"));
    expect(plain[2]!.indexOf("●")).toBe(plain[1]!.indexOf("✖"));
    expect(plain[1]!.indexOf("1m ago")).toBe(plain[2]!.indexOf("12m ago"));
    expect(visibleWidth(lines[1]!)).toBe(plain[1]!.length);
  });

  it("lists the queue with SLA badges and relative times, without colour off a terminal", () => {
    const lines = queueTable(
      [
        approval(),
        approval({ id: "approval-call-def456", sla: "at_risk", createdAt: at(-40), expiresAt: at(20) }),
      ],
      true,
      NOW,
      createStyle(false),
    );
    expect(lines[0]).toMatch(/^ID\s+AGENT\s+TOOL\s+RISK\s+SLA\s+REQUESTED\s+EXPIRES$/);
    expect(lines[1]).toMatch(
      /approval-call-abc123\s+support-bot\s+refund\.issue\s+financial\s+● on track\s+3m ago\s+in 57m/,
    );
    expect(lines[2]).toContain("▲ at risk");
    expect(lines[2]).toContain("40m ago");
    expect(lines.join("\n")).not.toMatch(ESC);
  });

  it("shows who decided in the outcome column of decided approvals", () => {
    const decided = sampleDecided({ via: "cli", decidedAt: at(-2) }, CLI);
    const [header, row] = queueTable([decided], false, NOW, createStyle(false));
    expect(header).toContain("OUTCOME");
    expect(row).toContain("approved by ana@example.com 2m ago via cli");
  });

  it("colours SLA badges only when asked to", () => {
    expect(slaBadge("breached", createStyle(true))).toMatch(ESC);
    expect(slaBadge("breached", createStyle(false))).toBe("✖ BREACHED");
  });
});

describe("colour", () => {
  it("is on for a terminal and off for pipes, NO_COLOR and dumb terminals", () => {
    expect(wantsColor(true, {})).toBe(true);
    expect(wantsColor(false, {})).toBe(false);
    expect(wantsColor(undefined, {})).toBe(false);
    expect(wantsColor(true, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor(true, { TERM: "dumb" })).toBe(false);
  });
});

describe("describe approval", () => {
  it("shows request, input, policy and rule, routing, deliveries, decision and why the audit is missing", () => {
    const text = describeApproval(
      {
        approval: {
          ...approval(),
          deliveries: [
            {
              channel: "slack:#billing-approvals",
              platform: "slack",
              purpose: "card",
              status: "failed",
              target: null,
              attempts: 1,
              error: "slack: off (no SLACK_BOT_TOKEN)",
              updateDue: false,
              createdAt: at(-3),
              updatedAt: at(-3),
            },
          ],
        },
        audit: { unavailable: "the audit trail needs an admin key" },
      },
      NOW,
      createStyle(false),
    ).join("\n");
    for (const section of [
      "Request",
      "Input",
      "Policy",
      "Routing",
      "Deliveries",
      "Decision",
      "Audit trail",
    ]) {
      expect(text).toMatch(new RegExp(`^${section}$`, "m"));
    }
    expect(text).toMatch(/^Approval approval-call-abc123 {2}pending {2}● on track$/m);
    expect(text).toContain('"amount": 129.5');
    expect(text).toMatch(/Policy:\s+financial-actions-require-approval/);
    expect(text).toMatch(/Rule:\s+rules\[0\]/);
    expect(text).toContain("team:billing-leads → ana@example.com, ben@example.com");
    expect(text).toMatch(/Expires:\s+2025-03-01 12:57:00Z \(in 57m\), then denied/);
    expect(text).toMatch(/SLA at risk:\s+2025-03-01 12:27:00Z \(in 27m\)/);
    expect(text).toMatch(/slack:#billing-approvals\s+card\s+failed\s+1\s+slack: off \(no SLACK_BOT_TOKEN\)/);
    expect(text).toContain("none yet");
    expect(text).toContain("the audit trail needs an admin key");
    expect(text).not.toMatch(ESC);
  });

  it("shows an override's Role and reason, and the audit events with their gist", () => {
    const text = describeApproval(
      {
        approval: sampleDecided(
          {
            kind: "override",
            via: "cli",
            decidedBy: "sam@example.com",
            decidedAt: at(-1),
            rationale: "Outage: payment system down.",
            grantBy: "sre-oncall",
          },
          CLI,
        ),
        audit: [
          {
            id: 1,
            at: at(-3),
            type: "approval.created",
            actor: "agent:support-bot",
            data: { approvers: ["ana@example.com"] },
          },
          {
            id: 2,
            at: at(-1),
            type: "approval.overridden",
            actor: "sam@example.com",
            data: { decision: "approve", grantBy: "sre-oncall", rationale: "Outage: payment system down." },
          },
        ],
      },
      NOW,
      createStyle(false),
    ).join("\n");
    expect(text).toContain("approved by sam@example.com 1m ago via cli, override under sre-oncall");
    expect(text).toMatch(/Reason:\s+“Outage: payment system down\.”/);
    expect(text).toMatch(/approval\.created\s+agent:support-bot\s+to ana@example\.com/);
    expect(text).toMatch(/approval\.overridden\s+sam@example\.com\s+approve under sre-oncall “Outage/);
    expect(text).toContain("Deliveries\n  not reported by this server");
    expect(text).not.toContain("Tool call\n");
  });

  it("shows how the held tool call ended, with its error", () => {
    const text = describeApproval(
      {
        approval: approval(),
        audit: [],
        toolCall: {
          id: "call-abc123",
          status: "failed",
          agent: "support-bot",
          tool: "refund.issue",
          input: {},
          originalInput: null,
          result: null,
          error: "POST https://billing.example.com/refunds: getaddrinfo ENOTFOUND billing.example.com",
          reason: "unreachable",
          policy: "financial-actions-require-approval",
          rule: 0,
          approvalId: "approval-call-abc123",
          attempts: 1,
          createdAt: at(-3),
          updatedAt: at(-1),
        },
      },
      NOW,
      createStyle(false),
    ).join("\n");
    expect(text).toMatch(
      /^Tool call\n {2}Status: +failed \(call-abc123\)\n {2}Reason: +unreachable\n {2}Error: +POST https:\/\/billing/m,
    );
    expect(text).toContain("Audit trail\n  no events");
  });
});
