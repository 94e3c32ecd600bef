// The email renderings carry the same facts as the Slack card, the recipient's links only while the
// approval is pending, and no markup or header line that agents or people could inject.
import { describe, expect, it } from "vitest";
import {
  approvalEmail,
  escalationEmail,
  escapeHtml,
  overrideNoticeEmail,
  SUBJECT_MAX,
  subjectLine,
} from "../../blocks/email.ts";
import { approvalFacts } from "../../blocks/view.ts";
import type { Approval, Decision } from "../../sdk/types.ts";
import { sampleApproval, sampleDecided } from "../helpers/approval-view.ts";

/** A lone escalation at the breach (the single escalateTo form). */
const ONE_LEVEL = { level: 1, levels: 1 };

const PUBLIC = "https://countersign.example.com";
const LINKS = {
  approve: "https://countersign.example.com/email/decide?token=AAA.approve",
  reject: "https://countersign.example.com/email/decide?token=BBB.reject",
};

// Two approvers, an email channel, and already at risk: what the email facts are checked against.
const EMAIL = {
  approvers: ["ana@example.com", "ben@example.com"],
  channels: ["email:billing-leads@example.com"],
  sla: "at_risk",
} satisfies Partial<Approval>;
const approval = (over: Partial<Approval> = {}) => sampleApproval({ ...EMAIL, ...over });
const decided = (d: Partial<Decision> = {}) =>
  sampleDecided(
    { via: "email", decidedAt: "2026-05-01T14:20:00.000Z", rationale: "customer verified", ...d },
    EMAIL,
  );

const FACTS = [
  "support-bot",
  "refund.issue",
  "financial",
  '"ticket": "T-1"',
  "financial-actions-require-approval (rule 0)",
  "2026-05-01 14:03 UTC",
  "2026-05-01 15:03 UTC",
  "at risk",
  "team:billing-leads",
  "approval-call-abc123",
];

describe("approval email", () => {
  it("shows every fact of the card in both parts, with the recipient's links while pending", () => {
    const mail = approvalEmail(approvalFacts(approval(), PUBLIC), LINKS);
    expect(mail.subject).toBe(
      "Approval needed: refund.issue for support-bot (financial) — approval-call-abc123",
    );
    for (const fact of FACTS) {
      expect(mail.text).toContain(fact);
      expect(mail.html).toContain(escapeHtml(fact));
    }
    expect(mail.text).toContain(`Approve: ${LINKS.approve}`);
    expect(mail.text).toContain(`Reject:  ${LINKS.reject}`);
    expect(mail.html).toContain(`href="${LINKS.approve}"`);
    expect(mail.html).toContain(`href="${LINKS.reject}"`);
    expect(mail.html).toContain(`${PUBLIC}/console/approvals/approval-call-abc123`);
  });

  it("has no decide links for someone without links, nor once decided; it shows the outcome instead", () => {
    const info = approvalEmail(approvalFacts(approval(), PUBLIC));
    expect(info.html).not.toContain("email/decide");
    expect(info.text).not.toContain("Approve:");

    const done = approvalEmail(approvalFacts(decided(), PUBLIC), LINKS);
    expect(done.subject).toMatch(/^Approved: refund\.issue/);
    expect(done.html).not.toContain("email/decide");
    expect(done.text).not.toContain("email/decide");
    const outcome = "Approved by ana@example.com at 2026-05-01 14:20 UTC — customer verified";
    expect(done.text).toContain(outcome);
    expect(done.html).toContain(outcome);
  });

  it("escapes agent input in HTML and keeps the subject on one line", () => {
    const hostile = approval({
      action: 'evil\r\nBcc: all@example.com <b onmouseover="x">',
      tool: null,
      // An approval the agent asked for itself: its data is the context the approver is shown.
      context: { note: "<script>alert('x')</script>", link: '"><img src=x onerror=alert(1)>' },
    });
    const mail = approvalEmail(approvalFacts(hostile, PUBLIC), LINKS);
    expect(mail.html).not.toMatch(/<script|<img|<b /i);
    expect(mail.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(mail.html).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toContain("evil Bcc: all@example.com");
  });
});

describe("escalation and override emails", () => {
  it("the escalation leads with the breach and who it is escalated to; links only when given", () => {
    const f = approvalFacts(approval({ sla: "breached" }), PUBLIC);
    const withLinks = escalationEmail(f, { escalateTo: ["boss@example.com"], at: ONE_LEVEL, links: LINKS });
    expect(withLinks.subject).toBe("SLA breached: refund.issue for support-bot — approval-call-abc123");
    expect(withLinks.text).toContain("SLA breached: support-bot has waited since 2026-05-01 14:03 UTC");
    expect(withLinks.text).toContain("Escalated to boss@example.com.");
    expect(withLinks.html).toContain(`href="${LINKS.approve}"`);
    const without = escalationEmail(f, { escalateTo: [], at: ONE_LEVEL });
    expect(without.html).not.toContain("email/decide");
    expect(without.text).not.toContain("Escalated to");
  });

  it("the override notice names the override and has no links", () => {
    const f = approvalFacts(
      decided({ kind: "override", decidedBy: "sam@example.com", grantBy: "sre-oncall", rationale: "outage" }),
      PUBLIC,
    );
    const mail = overrideNoticeEmail(f);
    expect(mail.subject).toBe("Override: refund.issue for support-bot — approval-call-abc123");
    expect(mail.text).toContain("Overridden by sam@example.com under sre-oncall: outage");
    expect(mail.html).toContain("Overridden by sam@example.com under sre-oncall: outage");
    expect(mail.html).not.toContain("email/decide");
  });
});

describe("helpers", () => {
  it("escapeHtml escapes the five characters that matter in content and attributes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("subjectLine removes control characters and caps the length", () => {
    expect(subjectLine("a\r\nb\tc\u2028d")).toBe("a b c d");
    const long = subjectLine("x".repeat(1000));
    expect(long).toHaveLength(SUBJECT_MAX);
    expect(long.endsWith("…")).toBe(true);
  });
});
