// The console's pages as HTML text: what an agent or a person typed is escaped wherever it lands (text,
// attributes, folded values), the rationale box is required exactly when the rule says so, History tells
// an override and a timeout apart, and a failed delivery comes with a fix.
import { describe, expect, it } from "vitest";
import { approvalPage, deliveryFix } from "../../blocks/html/approval.tsx";
import { queuePage } from "../../blocks/html/queue.tsx";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";

const viewer = { email: "ana@example.com", csrf: "tok" };
const EVIL = `<script>alert("x")</script>`;

const queue = (over: Partial<Parameters<typeof queuePage>[0]> = {}) =>
  queuePage({
    viewer,
    pending: 1,
    tab: "pending",
    filters: {},
    items: [sampleApproval()],
    decidable: () => true,
    nextCursor: null,
    paged: false,
    ...over,
  });

describe("console pages", () => {
  it("escapes agent input, names and context in text and attributes", () => {
    const a = sampleApproval({
      id: `approval-"><img src=x>`,
      agent: EVIL,
      tool: `refund"onmouseover="x`,
      input: { note: EVIL, long: `${EVIL}${"y".repeat(300)}` },
      context: { traceId: EVIL },
    });
    const pages = [
      queue({ items: [a] }),
      approvalPage({
        viewer,
        pending: 1,
        approval: a,
        deliveries: [],
        toolCall: null,
        audit: [],
        mayDecide: true,
        overrideRoles: [],
      }),
    ];
    for (const html of pages) {
      expect(html).not.toContain("<script>alert");
      expect(html).not.toContain("<img src=x>");
      expect(html).not.toContain('"onmouseover="');
      expect(html).toContain("&lt;script>");
    }
    // The long value is folded, with its length.
    expect(pages[1]).toMatch(/<details class="fold"><summary>.*\(\d{3} characters\)<\/summary>/);
  });

  it("requires a rationale only where the rule does, and shows decide controls only to approvers", () => {
    expect(queue()).toMatch(
      /<textarea id="rationale-approve-approval-call-abc123" name="rationale" rows="2" maxlength="3000" required>/,
    );
    const optional = queue({ items: [sampleApproval({ rationaleRequired: false })] });
    expect(optional).toContain("Rationale (optional)");
    expect(optional).not.toMatch(/name="rationale"[^>]*required/);
    const looking = queue({ decidable: () => false });
    expect(looking).not.toContain("<summary>Approve</summary>");
    expect(looking).not.toContain('id="bulk"');
  });

  it("tells an override and a timeout apart in History", () => {
    const html = queue({
      tab: "history",
      items: [
        sampleDecided({ kind: "override", grantBy: "sre-oncall", rationale: "outage" }, { id: "approval-o" }),
        sampleDecided(
          { kind: "timeout", decision: "reject", decidedBy: "sweeper", via: "sweeper" },
          { id: "approval-t", status: "expired" },
        ),
      ],
    });
    expect(html).toContain("approved (override)");
    expect(html).toContain("under sre-oncall: ");
    expect(html).toContain("expired (timeout)");
    expect(html).toContain("nobody (timed out)");
  });

  it("gives each kind of delivery failure a fix", () => {
    expect(deliveryFix("slack: off (no SLACK_BOT_TOKEN)")).toMatch(/Turn the platform on/);
    expect(deliveryFix("not_in_channel")).toMatch(/Invite the bot/);
    expect(deliveryFix("mail to a@b.c refused: 550 no such user")).toMatch(/address in the routing/);
    expect(deliveryFix("socket hang up")).toMatch(/retried with backoff/);
  });
});
