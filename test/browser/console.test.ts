// The web console in a real Chromium against the real app on a real database: sign in with a one-time
// link; Pending shows what a person needs and decides through the same checks as every surface; bulk
// decisions; live updates over Server-Sent Events; History; a non-approver and forged or token-less POSTs
// refused; separation of duties, quorum and approve-with-edits; bad input; accessibility; screenshots.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions, signOffs } from "../../db/schema.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { artifactPath, axeViolations, launchBrowser, NO_BROWSER } from "../helpers/browser.ts";
import { backend } from "../helpers/db.ts";
import { teamWorldYaml } from "../helpers/team-world.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

if (NO_BROWSER) console.log(NO_BROWSER);

/** Shifts the app's clock forward (a sign-in link's expiry) without stopping it. */
const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };

describe.skipIf(!!NO_BROWSER)(`the web console in Chromium (${backend})`, () => {
  let t: TestApp;
  let tool: ToolEndpoint;
  let browser: Browser;
  let agentKey: string;
  const keys: Record<string, string> = {};
  const pages: Record<string, Page> = {};
  const contexts: BrowserContext[] = [];

  /** The agent's tool call, waiting for approval. */
  async function waiting(
    toolName: string,
    input: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const res = await t.call("POST", "/v1/tool-calls", {
      key: agentKey,
      body: { tool: toolName, input, ...extra },
    });
    expect(res.status).toBe(202);
    return { callId: res.body.id as string, approvalId: res.body.approvalId as string };
  }

  /** A sign-in link from the admin API, as `countersign console link` gets it, on this server's address. */
  async function signInLink(email: string): Promise<string> {
    const res = await t.call("POST", "/v1/console/links", { key: t.adminKey, body: { operator: email } });
    expect(res.status).toBe(200);
    const url = new URL(res.body.url);
    return t.url + url.pathname + url.search;
  }

  async function signIn(email: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(await signInLink(email));
    await expect(page.getByRole("heading", { name: `Sign in as ${email}?` }).isVisible()).resolves.toBe(true);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${t.url}/console/approvals`);
    return page;
  }

  const rowOf = (page: Page, approvalId: string) => page.locator(`li.row[data-id="${approvalId}"]`);
  const recorded = async (id: string) => ({
    decisions: await t.database.db.select().from(decisions).where(eq(decisions.approvalId, id)),
    signOffs: await t.database.db.select().from(signOffs).where(eq(signOffs.approvalId, id)),
  });

  beforeAll(async () => {
    tool = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: teamWorldYaml(tool.url), clock });
    agentKey = await t.agentKey("payments-bot");
    for (const who of ["ana", "ben", "olga"]) keys[who] = await t.operatorKey(`${who}@example.com`);
    browser = await launchBrowser();
    pages.ana = await signIn("ana@example.com");
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await t?.close();
    await tool?.close();
  });

  it("signs in with a one-time link, which then cannot be used again", async () => {
    const ana = pages.ana!;
    await expect(ana.getByRole("heading", { name: "Pending approvals" }).isVisible()).resolves.toBe(true);
    await expect(ana.locator(".who").textContent()).resolves.toContain("ana@example.com");

    const link = await signInLink("ana@example.com");
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${t.url}/console/approvals`);
    // A second use of the same link is refused with the reason.
    const again = await page.goto(link);
    expect(again!.status()).toBe(400);
    await expect(page.locator("main").textContent()).resolves.toContain("already used");
  });

  it("shows a pending refund with its agent, tool, input preview and SLA badge, and the count", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-100", amount: 40 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    const row = rowOf(ana, approvalId);
    await expect(row.locator(".title").textContent()).resolves.toBe("refund.issue");
    await expect(row.locator(".agent").textContent()).resolves.toBe("payments-bot");
    const preview = await row.locator(".preview").textContent();
    expect(preview).toContain('"ticket":"T-100"');
    expect(preview).toContain('"amount":40');
    const badge = row.locator(".badge");
    await expect(badge.textContent()).resolves.toBe("on track");
    // Colour and words: the badge's colour is the on-track green.
    await expect(badge.evaluate((el) => getComputedStyle(el).color)).resolves.toBe("rgb(27, 94, 32)");
    await expect(ana.locator("#pending-count").textContent()).resolves.toBe("1");
  });

  it("Approve asks for the rationale, decides via web, and the waiting agent's call runs", async () => {
    const { callId, approvalId } = await waiting("refund.issue", { ticket: "T-101", amount: 12 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    const row = rowOf(ana, approvalId);
    await row.locator("details.approve > summary").click();
    const rationale = row.getByLabel("Rationale", { exact: false }).first();
    await expect(rationale.isVisible()).resolves.toBe(true);
    // Confirming without a rationale is stopped by the form: nothing is sent.
    await row.getByRole("button", { name: "Confirm: approve" }).click();
    await expect(rationale.evaluate((el) => (el as HTMLTextAreaElement).validity.valueMissing)).resolves.toBe(
      true,
    );
    expect((await recorded(approvalId)).decisions).toEqual([]);

    await rationale.fill("Customer was double charged");
    await row.getByRole("button", { name: "Confirm: approve" }).click();
    await ana.waitForSelector(".notice.ok");
    await expect(ana.locator(".notice.ok").textContent()).resolves.toContain(
      "Approved refund.issue for payments-bot",
    );

    const call = await t.call("GET", `/v1/tool-calls/${callId}?wait=20`, { key: agentKey });
    expect(call.body.status).toBe("succeeded");
    expect(tool.requests.filter((r) => r.path === "/refund").at(-1)!.body).toEqual({
      ticket: "T-101",
      amount: 12,
    });
    const approval = await t.call("GET", `/v1/approvals/${approvalId}`, { key: keys.ben });
    expect(approval.body.decision).toMatchObject({
      decision: "approve",
      via: "web",
      decidedBy: "ana@example.com",
      rationale: "Customer was double charged",
    });
  });

  it("decides from the keyboard alone: focus Reject, Enter, type the rationale, Tab, Enter", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-102", amount: 1 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    const row = rowOf(ana, approvalId);
    await row.locator("details.reject > summary").focus();
    await ana.keyboard.press("Enter");
    await ana.keyboard.press("Tab");
    await ana.keyboard.type("Not eligible");
    await ana.keyboard.press("Tab");
    await ana.keyboard.press("Enter");
    await ana.waitForSelector(".notice.ok");
    const {
      decisions: [d],
    } = await recorded(approvalId);
    expect(d).toMatchObject({ decision: "reject", via: "web", rationale: "Not eligible" });
  });

  it("bulk-approves three ticked rows with one shared rationale, each row reporting its outcome", async () => {
    const three = [];
    for (const n of [1, 2, 3]) three.push(await waiting("refund.issue", { ticket: `T-20${n}`, amount: n }));
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    for (const { approvalId } of three) await rowOf(ana, approvalId).locator("input.pick").check();
    await expect(ana.locator("#selected-count").textContent()).resolves.toBe("3 selected");
    await ana.getByLabel("Rationale for the selected approvals").fill("Batch of small refunds");
    await ana.getByRole("button", { name: "Approve selected" }).click();
    await ana.waitForSelector(".bulk-results");
    await expect(ana.locator("#bulk-title").textContent()).resolves.toBe("approved 3 of 3");
    for (const { approvalId } of three) {
      await expect(
        ana.locator(`.bulk-results li:has(a[href$="${approvalId}"])`).getAttribute("data-outcome"),
      ).resolves.toBe("decided");
      const {
        decisions: [d],
      } = await recorded(approvalId);
      expect(d).toMatchObject({ decision: "approve", via: "web", rationale: "Batch of small refunds" });
    }
  });

  it("shows a decision made through the API in the open page within a second, without reload, and in History", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-300", amount: 5 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    await rowOf(ana, approvalId).waitFor();
    const before = Number(await ana.locator("#pending-count").textContent());
    // No navigation may happen: a marker on the window survives only without a reload.
    await ana.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

    const res = await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: keys.ben,
      body: { decision: "reject", rationale: "Duplicate ticket" },
    });
    expect(res.status).toBe(200);
    const decidedAt = Date.now();
    await rowOf(ana, approvalId).waitFor({ state: "detached", timeout: 1000 });
    await ana.waitForFunction(
      (n) => document.getElementById("pending-count")?.textContent === String(n),
      before - 1,
      { timeout: 1000 - (Date.now() - decidedAt) },
    );
    await expect(ana.evaluate(() => (window as unknown as { marker?: number }).marker)).resolves.toBe(1);

    await ana.getByRole("link", { name: "History" }).click();
    const row = ana.locator(`#history tr[data-id="${approvalId}"]`);
    await expect(row.textContent()).resolves.toMatch(/rejected.*ben@example\.com.*api.*Duplicate ticket/);
  });

  it("shows a non-approver no decide buttons and refuses their forged POST, recording nothing", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-400", amount: 9 });
    const olga = await signIn("olga@example.com");
    pages.olga = olga;
    const row = rowOf(olga, approvalId);
    await row.waitFor();
    await expect(row.locator("summary, button, input.pick").count()).resolves.toBe(0);
    await expect(olga.locator("#bulk").count()).resolves.toBe(0);

    // Her own valid CSRF token (from the sign-out form) does not make her an approver.
    const csrf = await olga.locator('.who input[name="_csrf"]').inputValue();
    const forged = await olga.request.post(`${t.url}/console/approvals/${approvalId}/decide`, {
      form: { _csrf: csrf, decision: "approve", rationale: "forged" },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("olga@example.com is not an approver");
    expect(await recorded(approvalId)).toEqual({ decisions: [], signOffs: [] });
  });

  it("refuses a POST without the CSRF token, recording nothing", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-401", amount: 9 });
    const res = await pages.ana!.request.post(`${t.url}/console/approvals/${approvalId}/decide`, {
      form: { decision: "approve", rationale: "no token" },
    });
    expect(res.status()).toBe(403);
    expect(await res.text()).toContain("security token is missing");
    expect(await recorded(approvalId)).toEqual({ decisions: [], signOffs: [] });
  });

  it("refuses a requester's own approve, alone and as a row of a bulk decision, in the self_approval words", async () => {
    const { approvalId } = await waiting(
      "refund.issue",
      { ticket: "T-500", amount: 3 },
      { requestedBy: "ana@example.com" },
    );
    const other = await waiting("refund.issue", { ticket: "T-501", amount: 4 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    const row = rowOf(ana, approvalId);
    await expect(row.locator(".meta").textContent()).resolves.toContain("for ana@example.com");
    await row.locator("details.approve > summary").click();
    await row.locator("textarea").first().fill("mine");
    await row.getByRole("button", { name: "Confirm: approve" }).click();
    await ana.waitForSelector(".notice.error");
    await expect(ana.locator(".notice.error").textContent()).resolves.toContain(
      `ana@example.com asked for ${approvalId}, so cannot approve it: another approver must (separation of duties)`,
    );
    expect(await recorded(approvalId)).toEqual({ decisions: [], signOffs: [] });

    await rowOf(ana, approvalId).locator("input.pick").check();
    await rowOf(ana, other.approvalId).locator("input.pick").check();
    await ana.getByLabel("Rationale for the selected approvals").fill("both");
    await ana.getByRole("button", { name: "Approve selected" }).click();
    await ana.waitForSelector(".bulk-results");
    const mine = ana.locator(`.bulk-results li:has(a[href$="${approvalId}"])`);
    await expect(mine.getAttribute("data-outcome")).resolves.toBe("self_approval");
    await expect(mine.textContent()).resolves.toContain("so cannot approve it");
    await expect(
      ana.locator(`.bulk-results li:has(a[href$="${other.approvalId}"])`).getAttribute("data-outcome"),
    ).resolves.toBe("decided");
    expect(await recorded(approvalId)).toEqual({ decisions: [], signOffs: [] });
  });

  it("keeps what a decision reports when the page redraws what changed: the approval's page, a bulk decision", async () => {
    const { approvalId } = await waiting("vendor.pay", { vendor: "Hooli", amount: 700, currency: "EUR" });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.locator("details.approve > summary").click();
    await ana.locator("details.approve textarea").fill("Checked");
    await ana.getByRole("button", { name: "Confirm: approve" }).click();
    await ana.waitForSelector(".notice.ok");
    // The second approval, through the API, changes the approval again: the open page redraws it.
    const ben = await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: keys.ben,
      body: { decision: "approve", rationale: "Second pair of eyes" },
    });
    expect(ben.status).toBe(200);
    await ana.waitForSelector('article.approval[data-status="approved"]');
    await expect(ana.locator(".notice.ok").textContent()).resolves.toContain("1 of 2 approvals");

    // Pending: the results of a bulk decision stay while a new approval arrives in the list beneath them.
    const ticked = await waiting("refund.issue", { ticket: "T-550", amount: 5 });
    await ana.goto(`${t.url}/console/approvals`);
    await rowOf(ana, ticked.approvalId).locator("input.pick").check();
    await ana.getByLabel("Rationale for the selected approvals").fill("fine");
    await ana.getByRole("button", { name: "Approve selected" }).click();
    await ana.waitForSelector(".bulk-results");
    const arriving = await waiting("refund.issue", { ticket: "T-551", amount: 6 });
    await rowOf(ana, arriving.approvalId).waitFor();
    await expect(
      ana.locator(`.bulk-results li:has(a[href$="${ticked.approvalId}"])`).getAttribute("data-outcome"),
    ).resolves.toBe("decided");
  });

  it("shows a quorum's progress and who approved so far, on the row and on the approval's page", async () => {
    const { approvalId } = await waiting("vendor.pay", { vendor: "Acme", amount: 900, currency: "EUR" });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.locator("details.approve > summary").click();
    await ana.locator("details.approve textarea").fill("Invoice checked");
    await ana.getByRole("button", { name: "Confirm: approve" }).click();
    await ana.waitForSelector(".notice.ok");
    await expect(ana.locator(".notice.ok").textContent()).resolves.toContain(
      "1 of 2 approvals: ana@example.com",
    );
    await expect(ana.locator("#quorum").textContent()).resolves.toBe("1 of 2 approvals: ana@example.com");
    await ana.goto(`${t.url}/console/approvals`);
    await expect(rowOf(ana, approvalId).locator(".quorum").textContent()).resolves.toContain(
      "1 of 2 approvals: ana@example.com",
    );
  });

  it("approves with edits where the rule allows it: a 422 naming the field, then the edited input runs", async () => {
    const { callId, approvalId } = await waiting("invoice.credit", { invoice: "INV-7", amount: 120 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.getByText("Approve with edits").click();
    const input = ana.getByLabel("Input to run instead", { exact: false });
    await input.fill('{"invoice": "INV-7", "amount": 9000}');
    await ana.locator("#edit-rationale").fill("Capped");
    const refused = ana.waitForResponse((r) => r.url().endsWith("/decide"));
    await ana.getByRole("button", { name: "Approve with these edits" }).click();
    expect((await refused).status()).toBe(422);
    await ana.waitForSelector(".notice.error");
    await expect(ana.locator(".notice.error").textContent()).resolves.toMatch(/amount/);
    expect(await recorded(approvalId)).toEqual({ decisions: [], signOffs: [] });
    // The refused edit is kept in the form to correct.
    await expect(ana.locator("#edit-input").inputValue()).resolves.toContain("9000");

    await ana.locator("#edit-input").fill('{"invoice": "INV-7", "amount": 100}');
    await ana.locator("#edit-rationale").fill("Capped at 100");
    await ana.getByRole("button", { name: "Approve with these edits" }).click();
    await ana.waitForSelector(".notice.ok");
    await expect(ana.locator(".notice.ok").textContent()).resolves.toContain("with your edits");
    const call = await t.call("GET", `/v1/tool-calls/${callId}?wait=20`, { key: agentKey });
    expect(call.body.status).toBe("succeeded");
    expect(tool.requests.filter((r) => r.path === "/credit").at(-1)!.body).toEqual({
      invoice: "INV-7",
      amount: 100,
    });
  });

  it("redraws an open approval page decided elsewhere within a second, when nobody is typing in it", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-650", amount: 2 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.locator('article[data-status="pending"]').waitFor();
    await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: keys.ben,
      body: { decision: "reject", rationale: "Handled by phone" },
    });
    await ana.locator('article[data-status="rejected"]').waitFor({ timeout: 1000 });
    await expect(ana.locator(".outcome").textContent()).resolves.toContain("Rejected by ben@example.com");
    await expect(ana.locator("details.approve").count()).resolves.toBe(0);
  });

  it("shows an expiry by the sweeper within a second, and History tells the timeout apart", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-660", amount: 6 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals`);
    await rowOf(ana, approvalId).waitFor();
    offset.ms = 61 * 60 * 1000;
    try {
      await t.app.sweeper.runOnce();
      await rowOf(ana, approvalId).waitFor({ state: "detached", timeout: 1000 });
    } finally {
      offset.ms = 0;
    }
    await ana.goto(`${t.url}/console/approvals?tab=history`);
    const row = ana.locator(`#history tr[data-id="${approvalId}"]`);
    await expect(row.textContent()).resolves.toMatch(/expired \(timeout\).*nobody \(timed out\).*sweeper/);
  });

  it("overrides under a Role the person belongs to, with a reason; History marks the override", async () => {
    const { approvalId } = await waiting("vendor.pay", { vendor: "Initech", amount: 80, currency: "EUR" });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.getByText("Override (break-glass)").click();
    await ana.getByLabel("Under Role").selectOption("duty");
    await ana.getByLabel("Approve", { exact: true }).check();
    await ana.getByLabel("Reason (recorded and announced)").fill("Vendor outage, CFO on the phone");
    await ana.getByRole("button", { name: "Override" }).click();
    await ana.waitForSelector(".notice.ok");
    const {
      decisions: [d],
    } = await recorded(approvalId);
    expect(d).toMatchObject({ kind: "override", grantBy: "duty", via: "web", decidedBy: "ana@example.com" });
    await ana.goto(`${t.url}/console/approvals?tab=history`);
    await expect(ana.locator(`#history tr[data-id="${approvalId}"]`).textContent()).resolves.toMatch(
      /approved \(override\).*under duty: Vendor outage/,
    );
  });

  it("tells a late click who decided and records nothing", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-600", amount: 7 });
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    await ana.locator("details.approve > summary").click();
    await ana.locator("details.approve textarea").fill("Looks fine");
    const ben = await t.call("POST", `/v1/approvals/${approvalId}`, {
      key: keys.ben,
      body: { decision: "reject", rationale: "Fraud signals" },
    });
    expect(ben.status).toBe(200);
    // The page was being worked in, so it is not swapped under the person: it says so instead.
    await ana.waitForFunction(() =>
      document.getElementById("live-note")?.textContent?.includes("changed elsewhere"),
    );
    await ana.getByRole("button", { name: "Confirm: approve" }).click();
    await ana.waitForSelector(".notice.error");
    await expect(ana.locator(".notice.error").textContent()).resolves.toContain(
      `${approvalId} was already rejected by ben@example.com`,
    );
    const { decisions: ds, signOffs: ss } = await recorded(approvalId);
    expect(ds.map((d) => d.decidedBy)).toEqual(["ben@example.com"]);
    expect(ss).toEqual([]);
  });

  it("shows one approval in full: routing, SLA, each failed delivery with its fix, the held call, the audit trail", async () => {
    const { approvalId } = await waiting("refund.issue", { ticket: "T-700", note: "x".repeat(400) });
    // No platform is on in this test, so each delivery fails at once, with its reason.
    for (let i = 0; i < 100; i++) {
      const { body } = await t.call("GET", `/v1/approvals/${approvalId}`, { key: keys.ben });
      if (
        body.deliveries.length > 0 &&
        body.deliveries.every((d: { status: string }) => d.status === "failed")
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const ana = pages.ana!;
    await ana.goto(`${t.url}/console/approvals/${approvalId}`);
    const text = await ana.locator("main").textContent();
    for (const fact of [
      "treasury-controls, rule 2",
      "team:treasury",
      "SLA at risk from",
      "Expires (then denied)",
    ])
      expect(text).toContain(fact);
    // Long values are folded behind their first characters.
    await expect(ana.locator("details.fold summary").textContent()).resolves.toContain("(400 characters)");
    const failed = ana.locator(".delivery .error-line").first();
    await expect(failed.textContent()).resolves.toMatch(
      /Failure: .*off \(no (SLACK_BOT_TOKEN|TEAMS_APP_ID|SMTP_URL)\).*Fix: Turn the platform on/s,
    );
    await expect(ana.locator("#call-title").isVisible()).resolves.toBe(true);
    await expect(ana.locator(".audit").textContent()).resolves.toContain("approval.created");
    // The override form appears for a member of a Role granting approvals.override (ana), not for olga.
    await expect(ana.getByText("Override (break-glass)").count()).resolves.toBe(1);
    await pages.olga!.goto(`${t.url}/console/approvals/${approvalId}`);
    await expect(pages.olga!.getByText("Override (break-glass)").count()).resolves.toBe(0);
  });

  it("answers an unknown approval with a 404 page and an expired link with a page saying so", async () => {
    const ana = pages.ana!;
    const missing = await ana.goto(`${t.url}/console/approvals/approval-nope`);
    expect(missing!.status()).toBe(404);
    await expect(ana.locator(".notice.error").textContent()).resolves.toContain(
      "no approval with id approval-nope",
    );

    const link = await signInLink("ben@example.com");
    offset.ms = 16 * 60 * 1000;
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      const res = await page.goto(link);
      expect(res!.status()).toBe(410);
      await expect(page.locator("h1").textContent()).resolves.toBe("This link has expired");
      await expect(page.locator(".notice").textContent()).resolves.toContain("valid for 15 minutes");
    } finally {
      offset.ms = 0;
    }
  });

  it("sends a strict CSP and no-store on every page, and signs out", async () => {
    const res = await pages.ana!.goto(`${t.url}/console/approvals`);
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["content-security-policy"]).toContain("default-src 'none'");
    expect(headers["cache-control"]).toBe("no-store");
    const olga = pages.olga!;
    await olga.getByRole("button", { name: "Sign out" }).click();
    await olga.waitForURL(/\/console\/login\?signed_out=1/);
    await olga.goto(`${t.url}/console/approvals`);
    expect(new URL(olga.url()).pathname).toBe("/console/login");
  });

  it("has no serious or critical accessibility violation on any page, and saves screenshots of Pending", async () => {
    await waiting("refund.issue", { ticket: "T-800", amount: 15 }, { context: { traceId: "tr-42" } });
    await waiting("vendor.pay", { vendor: "Globex", amount: 4200, currency: "USD" });
    const ana = pages.ana!;
    const { approvalId } = await waiting("invoice.credit", { invoice: "INV-9", amount: 50 });
    const visit = async (url: string) => {
      await ana.goto(t.url + url);
      return { url, violations: await axeViolations(ana) };
    };
    const results = [
      await visit("/console/approvals"),
      await visit("/console/approvals?tab=history"),
      await visit(`/console/approvals/${approvalId}`),
      await visit("/console/approvals/approval-nope"),
    ];
    const context = await browser.newContext();
    contexts.push(context);
    const anon = await context.newPage();
    await anon.goto(`${t.url}/console/login`);
    results.push({ url: "/console/login", violations: await axeViolations(anon) });
    await anon.goto(await signInLink("ben@example.com"));
    results.push({ url: "/console/login?token=…", violations: await axeViolations(anon) });
    expect(results.filter((r) => r.violations.length > 0)).toEqual([]);
    // The check can fail: a page with an unlabelled image and no language is caught.
    await anon.setContent('<html><body><img src="x.png"></body></html>');
    expect((await axeViolations(anon)).map((v) => v.id)).toEqual(
      expect.arrayContaining(["html-has-lang", "image-alt"]),
    );

    await ana.goto(`${t.url}/console/approvals`);
    await ana.screenshot({ path: artifactPath("console-pending-1280x800.png") });
    const phone = await signIn("ana@example.com", { width: 390, height: 844 });
    await phone.screenshot({ path: artifactPath("console-pending-390x844.png") });
    // Readable on a phone: nothing runs off the side of a 390 px screen.
    await expect(phone.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(
      390,
    );
    expect(await axeViolations(phone)).toEqual([]);
    if (process.env.UPDATE_README_SCREENSHOT) {
      const docs = path.resolve(import.meta.dirname, "../../docs");
      mkdirSync(docs, { recursive: true });
      copyFileSync(artifactPath("console-pending-1280x800.png"), path.join(docs, "console-pending.png"));
    }
  });
});
