// /metrics tells how many approvals wait, how fast people decide, which SLAs break: not for anyone who
// can reach the port. A proxy on the same host makes every request look local, so being on loopback
// proves nothing: the admin key is asked for, unless the operator says the metrics are public.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";

const metrics = (t: TestApp, headers: Record<string, string> = {}) => fetch(`${t.url}/metrics`, { headers });

describe(`who may read /metrics (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it("refuses a request from loopback without the admin key, proxied or not", async () => {
    const proxied: Record<string, string>[] = [
      {},
      { "x-forwarded-for": "203.0.113.9" },
      { forwarded: "for=203.0.113.9" },
    ];
    for (const headers of proxied) {
      const res = await metrics(t, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(await res.text()).not.toContain("countersign_approvals_pending");
    }
  });

  it("refuses an operator's key with 403 and serves the admin key", async () => {
    const ana = await t.operatorKey("ana@example.com");
    expect((await metrics(t, { authorization: `Bearer ${ana}` })).status).toBe(403);
    const res = await metrics(t, { authorization: `Bearer ${t.adminKey}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/countersign_approvals_pending \d+/);
  });
});

describe(`/metrics made public (${backend})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { COUNTERSIGN_METRICS_PUBLIC: "true" } });
  });
  afterAll(async () => t?.close());

  it("answers anyone when COUNTERSIGN_METRICS_PUBLIC=true", async () => {
    const res = await metrics(t, { "x-forwarded-for": "203.0.113.9" });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/countersign_approvals_pending \d+/);
  });
});
