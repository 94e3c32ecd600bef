// Email end to end: the real server mails each approver through a real SMTP server, and the signed links
// lead to the confirm page over real HTTP. Opening a link decides nothing; the confirmed form decides as
// that approver (via email) and wakes the waiting agent; a link cannot be reused, forged, altered, or used
// after expiry.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkSigner } from "../../bot/email/links.ts";
import { notify } from "../../db/open.ts";
import { decisions, deliveries } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { DELIVERIES_DUE } from "../../outbox/enqueue.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";
import { SMTP_USER, type SmtpSink, type SunkMail, startSmtpSink } from "../helpers/smtp-sink.ts";

const FROM = "Countersign <countersign@example.com>";

describe(`email approvals (${backend})`, () => {
  let sink: SmtpSink;
  let t: TestApp;
  const clock = new ManualClock();

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, EMAIL_FROM: FROM } });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  /** An approval routed by the reference policy (slack:#billing-approvals, email:billing-leads@…). */
  async function mailedApproval(input?: unknown, timeoutMs?: number) {
    const id = await seedApproval(t.app.deps, { input, timeoutMs });
    const [ana] = await sink.waitFor("ana@example.com", 1, id);
    const [ben] = await sink.waitFor("ben@example.com", 1, id);
    return { id, ana: ana!, ben: ben! };
  }

  /** The mail's Approve / Reject links, pointed at the test server. */
  function linksOf(mail: SunkMail): { approve: string; reject: string } {
    const local = (url: string) => {
      expect(url.startsWith(`${t.app.config.publicUrl}/email/decide?token=`)).toBe(true);
      return t.url + url.slice(t.app.config.publicUrl.length);
    };
    return {
      approve: local(/^Approve: (\S+)$/m.exec(mail.text)![1]!),
      reject: local(/^Reject: +(\S+)$/m.exec(mail.text)![1]!),
    };
  }

  async function open(link: string) {
    const res = await fetch(link);
    return { status: res.status, html: await res.text(), headers: res.headers };
  }

  async function confirm(link: string, rationale?: string) {
    const res = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(rationale === undefined ? {} : { rationale }).toString(),
    });
    return { status: res.status, html: await res.text() };
  }

  const decisionOf = (id: string) =>
    t.database.db.select().from(decisions).where(eq(decisions.approvalId, id));

  it("mails each approver the card's facts with links of their own; the routed list gets no links", async () => {
    const { id, ana, ben } = await mailedApproval({ ticket: "T-7", amount: 99 });
    for (const mail of [ana, ben]) {
      expect(mail.user).toBe(SMTP_USER);
      expect(mail.headers.get("from")).toBe(FROM);
      expect(mail.to).toHaveLength(1);
      expect(mail.subject).toBe(`Approval needed: refund.issue for support-bot (financial) — ${id}`);
      for (const fact of [
        "support-bot",
        "refund.issue",
        "financial",
        '"ticket": "T-7"',
        "financial-actions-require-approval (rule 0)",
        "on track",
        "team:billing-leads",
      ]) {
        expect(mail.text).toContain(fact);
        expect(mail.html).toContain(fact.replaceAll('"', "&quot;"));
      }
    }
    expect(sink.mails.filter((m) => m.to.includes("billing-leads@example.com"))).toEqual([]);

    // Each person's links are signed for that person.
    const anaPage = await open(linksOf(ana).approve);
    expect(anaPage.html).toContain("You are deciding as <b>ana@example.com</b>");
    const benPage = await open(linksOf(ben).reject);
    expect(benPage.html).toContain("You are deciding as <b>ben@example.com</b>");
    expect(benPage.html).toContain("Confirm: reject");

    const mine = await t.database.db.select().from(deliveries).where(eq(deliveries.approvalId, id));
    const email = mine.find((d) => d.platform === "email")!;
    expect(email).toMatchObject({ status: "posted", target: "ana@example.com, ben@example.com" });
    expect(email.messageRef).toBe(`${ana.messageId} ${ben.messageId}`);
  });

  it("opening a link shows the confirm page and decides nothing, however often", async () => {
    const { id, ana } = await mailedApproval();
    const link = linksOf(ana).approve;
    for (let i = 0; i < 2; i++) {
      const page = await open(link);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("cache-control")).toBe("no-store");
      expect(page.headers.get("referrer-policy")).toBe("no-referrer");
      expect(page.html).toContain('<form method="post"');
      expect(page.html).toMatch(/<textarea id="rationale" name="rationale"[^>]* required>/);
      expect(page.html).toContain("Confirm: approve");
      expect(page.html).toContain(id);
    }
    expect(await decisionOf(id)).toEqual([]);
    const api = await t.call("GET", `/v1/approvals/${id}`, { key: t.adminKey });
    expect(api.body.status).toBe("pending");
  });

  it("the confirmed form decides as that approver via email, and the waiting agent hears at once", async () => {
    const { id, ana } = await mailedApproval();
    const agent = await t.agentKey("support-bot");
    const waiting = t.call("GET", `/v1/approvals/${id}?wait=20`, { key: agent });

    const done = await confirm(linksOf(ana).approve, "Customer verified <b>twice</b>");
    expect(done.status).toBe(200);
    expect(done.html).toMatch(/Approved — recorded at \S+ as ana@example\.com/);
    expect(done.html).toContain("Customer verified &lt;b&gt;twice&lt;/b&gt;");

    const [decision] = await decisionOf(id);
    expect(decision).toMatchObject({
      decision: "approve",
      kind: "human",
      via: "email",
      decidedBy: "ana@example.com",
      rationale: "Customer verified <b>twice</b>",
    });
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({
      status: "approved",
      decision: { via: "email", decidedBy: "ana@example.com" },
    });
  });

  it("a used link, and any other link of the approval, then shows the standing decision", async () => {
    const { id, ana, ben } = await mailedApproval();
    expect((await confirm(linksOf(ana).approve, "ok")).status).toBe(200);

    const again = await confirm(linksOf(ana).approve, "ok again");
    expect(again.status).toBe(409);
    expect(again.html).toContain("already approved by ana@example.com at");
    const benOpens = await open(linksOf(ben).reject);
    expect(benOpens.status).toBe(409);
    expect(benOpens.html).toContain("already approved by ana@example.com at");
    expect(benOpens.html).not.toContain("<form");
    const benTries = await confirm(linksOf(ben).reject, "no");
    expect(benTries.status).toBe(409);

    const rows = await decisionOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ decision: "approve", decidedBy: "ana@example.com", rationale: "ok" });
  });

  it("an empty rationale brings the form back with the error; nothing is recorded until it is given", async () => {
    const { id, ben } = await mailedApproval();
    const link = linksOf(ben).reject;
    for (const rationale of [undefined, "   "]) {
      const page = await confirm(link, rationale);
      expect(page.status).toBe(422);
      expect(page.html).toContain("A rationale is required for this request.");
      expect(page.html).toContain('<form method="post"');
    }
    expect(await decisionOf(id)).toEqual([]);
    const tooLong = await confirm(link, "x".repeat(3001));
    expect(tooLong.status).toBe(422);
    expect(tooLong.html).toContain("The rationale is 3001 characters long; at most 3000 are kept.");
    expect(await decisionOf(id)).toEqual([]);

    expect((await confirm(link, "duplicate refund")).status).toBe(200);
    expect(await decisionOf(id)).toMatchObject([{ decision: "reject", decidedBy: "ben@example.com" }]);
  });

  it("a forged, altered or malformed link gets an error page and records nothing", async () => {
    const { id, ana } = await mailedApproval();
    const link = linksOf(ana).approve;
    const token = decodeURIComponent(new URL(link).searchParams.get("token")!);
    const [payload, sig] = token.split(".") as [string, string];
    const claim = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    const retoken = (changed: object) =>
      `${t.url}/email/decide?token=${Buffer.from(JSON.stringify({ ...claim, ...changed })).toString("base64url")}.${sig}`;

    const forgedKey = new LinkSigner(randomBytes(32)).mint(
      { id, approvers: ["ana@example.com"], expiresAt: new Date(claim.x).toISOString() },
      "ana@example.com",
      "approve",
    );
    const cases: [string, string, number, string][] = [
      ["decision flipped", retoken({ d: "reject" }), 403, "signature does not match"],
      ["approver swapped", retoken({ e: "mallory@example.com" }), 403, "signature does not match"],
      [
        "signed with another key",
        `${t.url}/email/decide?token=${forgedKey}`,
        403,
        "signature does not match",
      ],
      ["no token", `${t.url}/email/decide`, 400, "the link has no token"],
      ["cut off", `${t.url}/email/decide?token=${payload}`, 400, "malformed"],
    ];
    for (const [what, url, status, message] of cases) {
      const viewed = await open(url);
      expect([what, viewed.status]).toEqual([what, status]);
      expect(viewed.html).toContain(message);
      const posted = await confirm(url, "trying");
      expect([what, posted.status]).toEqual([what, status]);
      expect(posted.html).not.toContain("<form");
    }
    expect(await decisionOf(id)).toEqual([]);
  });

  it("a link past the approval's expiry is refused and records nothing", async () => {
    const { id, ana } = await mailedApproval(undefined, 60_000);
    clock.advance(61_000);
    const viewed = await open(linksOf(ana).approve);
    expect(viewed.status).toBe(410);
    expect(viewed.html).toMatch(/expired at/);
    const posted = await confirm(linksOf(ana).approve, "too late");
    expect(posted.status).toBe(410);
    expect(posted.html).toMatch(/expired at/);
    const rows = await decisionOf(id);
    // The sweeper may have expired it meanwhile; no person's decision is ever recorded.
    expect(rows.filter((r) => r.kind !== "timeout")).toEqual([]);
  });

  it("escapes agent input in the mail and on the confirm page", async () => {
    const { ana } = await mailedApproval({ note: "<script>alert(1)</script>", x: '"><img src=x>' });
    expect(ana.html).not.toMatch(/<script|<img/i);
    expect(ana.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const page = await open(linksOf(ana).approve);
    expect(page.html).not.toMatch(/<script|<img/i);
    expect(page.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("an escalation mails links only to an address that is an approver; a notice has none", async () => {
    const { id } = await mailedApproval();
    const now = clock.now();
    await t.database.db.transaction(async (tx) => {
      await tx.insert(deliveries).values(
        [
          { channel: "email:ana@example.com", purpose: "escalation" as const },
          { channel: "email:boss@example.com", purpose: "escalation" as const },
          { channel: "email:audit@example.com", purpose: "notice" as const },
        ].map((d) => ({
          ...d,
          approvalId: id,
          platform: "email" as const,
          status: "pending" as const,
          nextAttemptAt: now,
          extra: { escalateTo: ["boss@example.com"], level: 1, levels: 1 },
        })),
      );
      await notify(tx, DELIVERIES_DUE, id);
    });
    // Queued by hand on a fresh approval (not at its breach), the message leads as an escalation.
    const [toAna] = await sink.waitFor(
      "ana@example.com",
      1,
      `Escalation: refund.issue for support-bot — ${id}`,
    );
    const [toBoss] = await sink.waitFor("boss@example.com", 1, id);
    const [notice] = await sink.waitFor("audit@example.com", 1, id);
    expect(toAna!.text).toContain("Escalated to boss@example.com.");
    expect((await open(linksOf(toAna!).approve)).html).toContain(
      "You are deciding as <b>ana@example.com</b>",
    );
    expect(toBoss!.text).toContain("Escalated to boss@example.com.");
    expect(toBoss!.text).not.toContain("email/decide");
    expect(notice!.subject).toBe(`Override: refund.issue for support-bot — ${id}`);
    expect(notice!.text).not.toContain("email/decide");
  });
});
