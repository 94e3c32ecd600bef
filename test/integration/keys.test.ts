// API keys: minted with an optional expiry, listed (never the key nor its hash) with when each was last
// used, revoked — refused at once, audited once — on the API and through the CLI. The revocation across
// server processes is test/e2e/key-revoke-replicas.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureAdminKey } from "../../bot/admin-key.ts";
import { hashKey } from "../../gateway/keys.ts";
import { ManualClock } from "../../handlers/clock.ts";
import type { ApiKey } from "../../sdk/types.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { backend } from "../helpers/db.ts";

const DAY = 24 * 60 * 60 * 1000;

describe(`API keys (${backend})`, () => {
  const clock = new ManualClock(new Date("2030-05-01T12:00:00.000Z"));
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t.close());

  const admin = (method: string, urlPath: string, body?: unknown) =>
    t.call(method, urlPath, { key: t.adminKey, body });
  const listed = async (status = "all") =>
    (await admin("GET", `/v1/keys?status=${status}`)).body.items as ApiKey[];
  const auditOf = async (type: string) =>
    (await admin("GET", "/v1/audit")).body.items.filter((e: { type: string }) => e.type === type);

  it("mints a key with an expiry, lists it without the key or its hash, and audits it", async () => {
    const created = await admin("POST", "/v1/keys", { operator: "Ana@Example.com", expiresInDays: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: "operator",
      subject: "ana@example.com",
      expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
    });
    const { id, key } = created.body;
    const page = await admin("GET", "/v1/keys");
    const text = JSON.stringify(page.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(hashKey(key));
    expect(page.body.items.find((k: { id: string }) => k.id === id)).toEqual({
      id,
      kind: "operator",
      agent: null,
      operator: "ana@example.com",
      status: "active",
      createdAt: expect.any(String),
      lastUsedAt: null,
      expiresAt: created.body.expiresAt,
      revokedAt: null,
    });
    expect(page.body.nextCursor).toBeNull();
    const [event] = (await auditOf("key.created")).filter((e: { data: { id: string } }) => e.data.id === id);
    expect(event).toMatchObject({ actor: "admin", data: { kind: "operator", subject: "ana@example.com" } });
    expect(JSON.stringify(event)).not.toContain(key);
  });

  it("records when a key was last used, at most once a minute", async () => {
    const { id, key } = (await admin("POST", "/v1/keys", { agent: "support-bot" })).body;
    expect((await t.call("GET", "/v1/tool-calls/call-none", { key })).status).toBe(404);
    let used: string | null = null;
    for (let i = 0; i < 100 && !used; i++) {
      used = (await listed()).find((k) => k.id === id)?.lastUsedAt ?? null;
      if (!used) await new Promise((r) => setTimeout(r, 20));
    }
    expect(used).toBe(clock.now().toISOString());
    // Past the authentication cache but within the minute: not written again.
    clock.advance(30_000);
    await new Promise((r) => setTimeout(r, 1_100));
    await t.call("GET", "/v1/tool-calls/call-none", { key });
    await new Promise((r) => setTimeout(r, 200));
    expect((await listed()).find((k) => k.id === id)?.lastUsedAt).toBe(used);
  });

  it("refuses a revoked key at once, audits the revocation once, and says so to its holder", async () => {
    const { id, key } = (await admin("POST", "/v1/keys", { operator: "ben@example.com" })).body;
    expect((await t.call("GET", "/v1/approvals", { key })).status).toBe(200);
    const revoked = await admin("DELETE", `/v1/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id, status: "revoked", revokedAt: clock.now().toISOString() });
    const refused = await t.call("GET", "/v1/approvals", { key });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe(`the API key was revoked at ${clock.now().toISOString()}`);
    const again = await admin("DELETE", `/v1/keys/${id}`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    expect(
      (await auditOf("key.revoked")).filter((e: { data: { id: string } }) => e.data.id === id),
    ).toHaveLength(1);
    expect((await listed("active")).map((k) => k.id)).not.toContain(id);
    expect((await listed("all")).find((k) => k.id === id)?.status).toBe("revoked");
    const unknown = await admin("DELETE", "/v1/keys/no-such-key");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain("no API key with id no-such-key");
  });

  it("refuses an expired key, and lists it as expired", async () => {
    const { id, key, expiresAt } = (
      await admin("POST", "/v1/keys", { agent: "support-bot", expiresInDays: 1 })
    ).body;
    expect((await t.call("GET", "/v1/tool-calls/call-none", { key })).status).toBe(404);
    clock.advance(DAY);
    const refused = await t.call("GET", "/v1/tool-calls/call-none", { key });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe(`the API key expired at ${expiresAt}`);
    expect((await listed("all")).find((k) => k.id === id)?.status).toBe("expired");
    expect((await listed("active")).map((k) => k.id)).not.toContain(id);
  });

  it("keeps keys to admins and refuses bad requests naming the field", async () => {
    const operator = await t.operatorKey("ana@example.com");
    expect((await t.call("GET", "/v1/keys", { key: operator })).status).toBe(403);
    expect((await t.call("DELETE", "/v1/keys/x", { key: operator })).status).toBe(403);
    const zero = await admin("POST", "/v1/keys", { agent: "a", expiresInDays: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toMatch(/expiresInDays: must be more than 0/);
    const cursor = await admin("GET", "/v1/keys?cursor=garbage");
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.message).toBe("cursor is not one this server handed out");
  });

  it("pages the list with a cursor, newest first", async () => {
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await admin("POST", "/v1/keys", { agent: `pager-${i}` });
    }
    const first = await admin("GET", "/v1/keys?limit=2");
    expect(first.body.items.map((k: { agent: string }) => k.agent)).toEqual(["pager-2", "pager-1"]);
    const second = await admin("GET", `/v1/keys?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].agent).toBe("pager-0");
  });

  it("works the keys from the CLI: create with an expiry, ls, revoke", async () => {
    const env = { COUNTERSIGN_URL: t.url, COUNTERSIGN_KEY: t.adminKey };
    const created = await runCliInProcess(
      ["keys", "create", "--agent", "cli-bot", "--expires-in-days", "7", "-o", "json"],
      {
        env,
      },
    );
    expect(created.code).toBe(0);
    const { id, key } = JSON.parse(created.stdout);
    const ls = await runCliInProcess(["keys", "ls"], { env, now: clock.now() });
    expect(ls.code).toBe(0);
    const row = ls.stdout.split("\n").find((l) => l.includes(id))!;
    expect(row).toMatch(/agent\s+cli-bot\s+active\s+just now\s+never\s+in 7d/);
    expect(ls.stdout).not.toContain(key);
    const revoke = await runCliInProcess(["keys", "revoke", id], { env });
    expect(revoke.code).toBe(0);
    expect(revoke.stdout).toBe(`Revoked agent key ${id} (cli-bot) at ${clock.now().toISOString()}.\n`);
    const missing = await runCliInProcess(["keys", "revoke", "nope"], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no API key with id nope");
    const bad = await runCliInProcess(["keys", "create", "--agent", "x", "--expires-in-days", "-1"], { env });
    expect(bad.code).toBe(2);
  });

  it("mints a new admin key at the next start once the stored one is revoked (rotation)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-admin-"));
    try {
      const first = (await ensureAdminKey(t.database, dir))!;
      expect(first).toBeTruthy();
      expect(await ensureAdminKey(t.database, dir)).toBeUndefined();
      const [stored] = (await listed("active")).filter((k) => k.kind === "admin");
      await admin("DELETE", `/v1/keys/${stored!.id}`);
      expect((await t.call("GET", "/v1/keys", { key: first })).status).toBe(401);
      const second = await ensureAdminKey(t.database, dir);
      expect(second).toBeTruthy();
      expect((await t.call("GET", "/v1/keys", { key: second })).status).toBe(200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
