// What a console page holds between requests, over real HTTP and the real database: who is signed in (a
// second at most) and the pending count its badge shows (a second at most, between change notifications).
// A write that notifies nobody shows within that second; a sign-out on another replica, a revoked key (here
// or there), a new approval — each of which notifies — shows on the very next page.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../bot/web/auth.ts";
import { endSession, SESSION_ENDED } from "../../bot/web/sessions.ts";
import { notifyChanged } from "../../db/notify.ts";
import { issueKey, KEYS_CHANGED, revokeKey } from "../../gateway/keys.ts";
import { APPROVAL_CHANGED } from "../../handlers/channels.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { ConsoleClient } from "../helpers/console-client.ts";
import { backend } from "../helpers/db.ts";

/** Generous, for a loaded machine: the held second, plus time to notice it passed. */
const WITHIN_MS = 4_000;

describe(`what the console holds between requests (${backend})`, () => {
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    t = await startTestApp();
    await t.operatorKey("ana@example.com");
  });
  afterAll(() => t.close());

  /** A person signed in through a one-time link, as in a browser. */
  async function signedIn(email: string): Promise<ConsoleClient> {
    const made = await t.call("POST", "/v1/console/links", { key: t.adminKey, body: { operator: email } });
    const client = new ConsoleClient(t.url);
    await client.signInWith(made.body.url);
    return client;
  }

  /** Resolves once this process has heard a NOTIFY on channel (so the server's own listeners have too). */
  async function heard(channel: string, send: () => Promise<unknown>): Promise<void> {
    let done!: () => void;
    const got = new Promise<void>((resolve) => {
      done = resolve;
    });
    const unlisten = await t.database.listen(channel, () => done());
    try {
      await send();
      await got;
    } finally {
      unlisten();
    }
  }

  async function until(check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await check())) {
      if (Date.now() - started > WITHIN_MS) throw new Error(`not so within ${WITHIN_MS} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return Date.now() - started;
  }

  const badge = (html: string) => Number(/id="pending-count"[^>]*>(\d+)</.exec(html)?.[1]);

  /** A pending approval written by SQL alone: nobody is notified. */
  async function insertQuietly(): Promise<string> {
    const id = `held-${++seq}`;
    await t.database.db.execute(sql`
      INSERT INTO approvals (id, status, agent, tool, action, input, approvers, approver_refs, channels,
                             timeout_minutes, sla_at_risk_at, sla_breach_at, created_at, expires_at)
      VALUES (${id}, 'pending', 'held-bot', 'refund.issue', 'refund.issue', '{}', '["ana@example.com"]',
              '["user:ana@example.com"]', '[]', '60', now() + interval '30 minutes',
              now() + interval '50 minutes', now(), now() + interval '1 hour')`);
    return id;
  }

  it("shows a count written without a notification within a second, and a notified one on the next page", async () => {
    const ana = await signedIn("ana@example.com");
    const before = badge((await ana.get("/console/approvals")).html);
    expect(before).toBeGreaterThanOrEqual(0);

    await insertQuietly();
    await until(async () => badge((await ana.get("/console/approvals")).html) === before + 1);

    // Read now, so the count is held; then a change the handlers would announce.
    expect(badge((await ana.get("/console/approvals")).html)).toBe(before + 1);
    const id = await insertQuietly();
    await heard(APPROVAL_CHANGED, () => notifyChanged(t.database.db, APPROVAL_CHANGED, [id]));
    expect(badge((await ana.get("/console/approvals")).html)).toBe(before + 2);
  });

  it("refuses a session ended without a notification within a second", async () => {
    const ana = await signedIn("ana@example.com");
    expect((await ana.get("/console/approvals")).status).toBe(200);
    await t.database.db.execute(sql`UPDATE console_sessions SET ended_at = now() WHERE ended_at IS NULL`);
    await until(async () => (await ana.get("/console/approvals")).status === 303);
  });

  it("refuses a session signed out on another replica on the next page, though it was held", async () => {
    const ana = await signedIn("ana@example.com");
    const token = ana.cookie(SESSION_COOKIE)!;
    expect((await ana.get("/console/approvals")).status).toBe(200);
    // Another replica signs out: the row ends and SESSION_ENDED goes to every process.
    await heard(SESSION_ENDED, () => endSession(t.database.db, token, new Date()));
    const refused = await ana.get("/console/approvals");
    expect(refused.status).toBe(303);
    expect(refused.location).toMatch(/^\/console\/login\?next=/);
  });

  it("refuses a session on the next page once its operator key is revoked, here or on another replica", async () => {
    // Revoked through this server's API: no waiting for its own notification to come back.
    const keys = await t.call("GET", "/v1/keys", { key: t.adminKey });
    const anaKey = keys.body.items.find((k: { operator: string | null }) => k.operator === "ana@example.com");
    const ana = await signedIn("ana@example.com");
    expect((await ana.get("/console/approvals")).status).toBe(200);
    expect((await t.call("DELETE", `/v1/keys/${anaKey.id}`, { key: t.adminKey })).status).toBe(200);
    expect((await ana.get("/console/approvals")).status).toBe(303);

    // Revoked on another replica: this one hears KEYS_CHANGED.
    const ben = await issueKey(t.database.db, { kind: "operator", subject: "ben@example.com" });
    const benPage = await signedIn("ben@example.com");
    expect((await benPage.get("/console/approvals")).status).toBe(200);
    await heard(KEYS_CHANGED, () => t.database.db.transaction((tx) => revokeKey(tx, ben.id, new Date())));
    expect((await benPage.get("/console/approvals")).status).toBe(303);
  });
});
