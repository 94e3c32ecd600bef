// Signing in to the console over real HTTP: the admin API and `countersign console link` make one-time
// links only for known operators; with email on, /console/login mails one (and tells nobody who is an
// operator); sessions expire, and a revoked operator key ends console access as it ends API access. Last,
// Pending with 10,000 approvals waiting: paged by keyset, most urgent first, no row twice.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_TTL_MS } from "../../bot/web/sessions.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { ConsoleClient } from "../helpers/console-client.ts";
import { backend } from "../helpers/db.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";
import { teamWorldYaml } from "../helpers/team-world.ts";

const offset = { ms: 0 };
const clock = { now: () => new Date(Date.now() + offset.ms) };

describe(`console sign-in (${backend})`, () => {
  let t: TestApp;
  let sink: SmtpSink;
  let anaKey: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      onlyYaml: teamWorldYaml("http://127.0.0.1:9"),
      clock,
      env: { SMTP_URL: sink.url, EMAIL_FROM: "Countersign <countersign@example.com>" },
    });
    anaKey = await t.operatorKey("ana@example.com");
    await t.operatorKey("ben@example.com");
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const link = async (operator: string) =>
    t.call("POST", "/v1/console/links", { key: t.adminKey, body: { operator } });

  it("makes a link for a known operator with the admin key only, and says why not otherwise", async () => {
    const made = await link("Ana@Example.com");
    expect(made.status).toBe(200);
    expect(made.body.operator).toBe("ana@example.com");
    expect(made.body.url).toMatch(/\/console\/login\?token=[\w-]{40,}$/);
    expect(Date.parse(made.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(Date.parse(made.body.expiresAt) - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const unknown = await link("zed@example.com");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(
      "zed@example.com has no operator key, so cannot sign in; make one first: countersign keys create --operator zed@example.com",
    );
    const notEmail = await link("zed");
    expect(notEmail.status).toBe(400);
    expect(notEmail.body.error.message).toBe("operator: must be an email address");
    const byOperator = await t.call("POST", "/v1/console/links", {
      key: anaKey,
      body: { operator: "ana@example.com" },
    });
    expect(byOperator.status).toBe(403);
    const audit = await t.call("GET", "/v1/audit?limit=500", { key: t.adminKey });
    expect(audit.body.items.map((e: { type: string }) => e.type)).toContain("console.link_created");
  });

  it("prints a link with `countersign console link --operator`, which signs the person in", async () => {
    const run = await runCliInProcess(["console", "link", "--operator", "ben@example.com"], {
      env: { COUNTERSIGN_URL: t.url, COUNTERSIGN_KEY: t.adminKey },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^http:\/\/\S+\/console\/login\?token=\S+\n$/);
    expect(run.stderr).toContain("sign-in link for ben@example.com");
    const ben = new ConsoleClient(t.url);
    await ben.signInWith(run.stdout.trim());
    const page = await ben.get("/console/approvals");
    expect(page.status).toBe(200);
    expect(page.html).toContain("ben@example.com");

    const refused = await runCliInProcess(["console", "link", "--operator", "zed@example.com"], {
      env: { COUNTERSIGN_URL: t.url, COUNTERSIGN_KEY: t.adminKey },
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("zed@example.com has no operator key");
  });

  it("mails a link from /console/login to a known operator, and answers a stranger the same without mail", async () => {
    const browser = new ConsoleClient(t.url);
    const form = await browser.get("/console/login");
    expect(form.html).toContain("Email me a sign-in link");
    const asked = await browser.post("/console/login", { email: "ana@example.com" });
    expect(asked.status).toBe(200);
    expect(asked.html).toContain("If ana@example.com is an operator here, a sign-in link is on its way.");
    const [mail] = await sink.waitFor("ana@example.com");
    const url = /(http:\/\/\S+\/console\/login\?token=[\w-]+)/.exec(mail!.text)![1]!;
    await browser.signInWith(url);
    expect((await browser.get("/console/approvals")).status).toBe(200);

    const stranger = new ConsoleClient(t.url);
    await stranger.get("/console/login");
    const answer = await stranger.post("/console/login", { email: "zed@example.com" });
    expect(answer.html).toContain("If zed@example.com is an operator here, a sign-in link is on its way.");
    const bad = await stranger.post("/console/login", { email: "not an email" });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Give your email address");
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.mails.filter((m) => m.to.includes("zed@example.com"))).toEqual([]);
  });

  it("sends a page to sign-in when nobody is signed in, and refuses a POST with 401", async () => {
    const nobody = new ConsoleClient(t.url);
    const page = await nobody.get("/console/approvals?tab=history");
    expect(page.status).toBe(303);
    expect(page.location).toBe("/console/login?next=%2Fconsole%2Fapprovals%3Ftab%3Dhistory");
    await nobody.get("/console/login");
    const post = await nobody.post("/console/approvals/bulk", { decision: "approve", ids: "x" });
    expect(post.status).toBe(401);
    expect(post.html).toContain("You are not signed in");
    expect((await nobody.get("/console")).location).toBe("/console/approvals");
  });

  it("ends a session when it expires, and when the person's operator key is revoked", async () => {
    const ana = new ConsoleClient(t.url);
    await ana.signInWith((await link("ana@example.com")).body.url);
    expect((await ana.get("/console/approvals")).status).toBe(200);
    offset.ms = SESSION_TTL_MS + 1000;
    try {
      expect((await ana.get("/console/approvals")).status).toBe(303);
    } finally {
      offset.ms = 0;
    }

    const cara = await t.call("POST", "/v1/keys", {
      key: t.adminKey,
      body: { operator: "cara@example.com" },
    });
    const client = new ConsoleClient(t.url);
    await client.signInWith((await link("cara@example.com")).body.url);
    expect((await client.get("/console/approvals")).status).toBe(200);
    expect((await t.call("DELETE", `/v1/keys/${cara.body.id}`, { key: t.adminKey })).status).toBe(200);
    expect((await client.get("/console/approvals")).status).toBe(303);
  });

  it("streams events to a signed-in page, and ends the stream when the person signs out", async () => {
    const ana = new ConsoleClient(t.url);
    await ana.signInWith((await link("ana@example.com")).body.url);
    const anonymous = await fetch(`${t.url}/console/events`);
    expect(anonymous.status).toBe(401);
    const stream = await fetch(`${t.url}/console/events`, {
      headers: { cookie: `countersign_session=${ana.cookie("countersign_session")}` },
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("cache-control")).toBe("no-store");
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^retry: 1000\nevent: changed\ndata: \{"pending":\d+,"ids":\[\]\}\n\n$/);

    await ana.get("/console/approvals");
    const signedOutAt = Date.now();
    expect((await ana.post("/console/logout", {})).status).toBe(303);
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    expect(Date.now() - signedOutAt).toBeLessThan(1_000);
  });

  it("pages Pending by keyset with 10,000 approvals waiting: most urgent first, no row twice", async () => {
    // Times to the millisecond, as the app writes them (JavaScript Dates): the cursor carries milliseconds.
    await t.database.db.execute(sql`
      INSERT INTO approvals (id, status, agent, tool, action, input, approvers, approver_refs, channels,
        timeout_minutes, sla_at_risk_at, sla_breach_at, created_at, expires_at)
      SELECT 'approval-many-' || lpad(g::text, 5, '0'), 'pending', 'payments-bot', 'refund.issue', 'refund.issue',
        jsonb_build_object('n', g), '["ana@example.com"]', '["team:treasury"]', '[]', '60',
        t0 + interval '30 minutes', t0 + interval '50 minutes', t0,
        t0 + interval '1 hour' + ((10001 - g) || ' seconds')::interval
      FROM generate_series(1, 10000) AS g, (SELECT date_trunc('milliseconds', now()) AS t0) AS start`);
    const ana = new ConsoleClient(t.url);
    await ana.signInWith((await link("ana@example.com")).body.url);
    // Written by SQL, which notifies nobody: the badge's held count catches up within its second.
    const badge = async () =>
      /id="pending-count"[^>]*>(\d+)</.exec((await ana.get("/console/approvals")).html)?.[1];
    await expect.poll(badge, { timeout: 5_000, interval: 100 }).toBe("10000");
    const seen: string[] = [];
    let path = "/console/approvals?agent=payments-bot&tool=refund.issue";
    const times: number[] = [];
    for (let page = 0; page < 3; page++) {
      const started = performance.now();
      const res = await ana.get(path);
      times.push(performance.now() - started);
      expect(res.status).toBe(200);
      const ids = [...res.html.matchAll(/<li class="row" data-id="([^"]+)"/g)].map((m) => m[1]!);
      expect(ids).toHaveLength(50);
      seen.push(...ids);
      expect(res.html).toMatch(/id="pending-count"[^>]*>10000</);
      path = /href="(\/console\/approvals\?[^"]*cursor=[^"]+)" rel="next"/
        .exec(res.html)![1]!
        .replaceAll("&amp;", "&");
    }
    // Waiting for ben: none of these (ana is their approver).
    const ben = new ConsoleClient(t.url);
    await ben.signInWith((await link("ben@example.com")).body.url);
    const mine = await ben.get("/console/approvals?mine=1");
    expect(mine.html).toContain("Nothing is waiting for you.");
    // The latest-expiring was inserted first: most urgent first means the highest numbers come first.
    expect(seen.slice(0, 3)).toEqual(["approval-many-10000", "approval-many-09999", "approval-many-09998"]);
    expect(seen.at(-1)).toBe("approval-many-09851");
    expect(new Set(seen).size).toBe(150);
    // Generous: a keyset page costs what the first does; the bound only catches a scan of 10,000 rows per row.
    for (const ms of times) expect(ms).toBeLessThan(5_000);
  });
});
