// Review finding: GET /v1/audit stopped at 1,000 events and still answered nextCursor: null, telling an
// admin the log ended where it did not. It pages now, oldest first, and a bad cursor or limit is a 400.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../handlers/audit.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";

describe(`GET /v1/audit pages through the whole log (${backend})`, () => {
  let t: TestApp;
  const EVENTS = 1_205;

  beforeAll(async () => {
    t = await startTestApp();
    const at = new Date();
    await t.database.db.transaction((tx) =>
      appendAuditEvents(
        tx,
        Array.from({ length: EVENTS }, (_, i) => ({ type: "test.event", actor: "review", at, data: { i } })),
      ),
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it("hands out a cursor while events remain, and every event once across the pages", async () => {
    const first = await t.call("GET", "/v1/audit", { key: t.adminKey });
    expect(first.status).toBe(200);
    expect(first.body.items.length).toBeGreaterThan(0);
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const seen: number[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor ? `?limit=500&cursor=${encodeURIComponent(cursor)}` : "?limit=500";
      const res = await t.call("GET", `/v1/audit${query}`, { key: t.adminKey });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e: { id: number }) => e.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    const ids = [...new Set(seen)];
    expect(ids).toHaveLength(seen.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const ours = (await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body;
    expect(ours).toMatchObject({ ok: true, checked: seen.length });
    expect(seen.length).toBeGreaterThanOrEqual(EVENTS);
  });

  it("answers a cursor it did not hand out, or a bad limit, with 400 naming it", async () => {
    const cursor = await t.call("GET", "/v1/audit?cursor=not-a-cursor", { key: t.adminKey });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.message).toBe("cursor: is not one this server handed out");
    const limit = await t.call("GET", "/v1/audit?limit=0", { key: t.adminKey });
    expect(limit.status).toBe(400);
    expect(limit.body.error.message).toMatch(/^limit: /);
  });
});
