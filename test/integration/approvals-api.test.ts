// The approvers' HTTP API on the real server and database: the queue, deciding, bulk, override, and the
// errors each wrong move gets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RATIONALE_MAX } from "../../model/routing.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`approvals API (${backend})`, () => {
  let t: TestApp;
  let ana: string;
  let ben: string;
  let sam: string;
  let eve: string;
  let agent: string;

  beforeAll(async () => {
    t = await startTestApp();
    [ana, ben, sam, eve, agent] = await Promise.all([
      t.operatorKey("ana@example.com"),
      t.operatorKey("ben@example.com"),
      t.operatorKey("sam@example.com"),
      t.operatorKey("eve@example.com"),
      t.agentKey("support-bot"),
    ]);
  });
  afterAll(() => t.close());

  it("answers health with the backend", async () => {
    expect(await t.call("GET", "/healthz")).toEqual({
      status: 200,
      body: { status: "ok", database: backend },
    });
  });

  it("lists a pending approval with its routing and SLA state", async () => {
    const id = await seedApproval(t.app.deps);
    const { status, body } = await t.call("GET", "/v1/approvals?status=pending", { key: ana });
    expect(status).toBe(200);
    const item = body.items.find((a: { id: string }) => a.id === id);
    expect(item).toMatchObject({
      status: "pending",
      agent: "support-bot",
      tool: "refund.issue",
      risk: "financial",
      policy: "financial-actions-require-approval",
      rule: 0,
      approvers: ["ana@example.com", "ben@example.com"],
      channels: ["slack:#billing-approvals", "email:billing-leads@example.com"],
      sla: "on_track",
      decision: null,
    });
    expect(body.nextCursor).toBeNull();
  });

  it("pages the queue with a cursor, newest first", async () => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await seedApproval(t.app.deps, { agent: "support-bot" }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/approvals?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const { body } = await t.call("GET", q, { key: ana });
      seen.push(...body.items.map((a: { id: string }) => a.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of ids) expect(seen).toContain(id);
    expect(seen.indexOf(ids[4]!)).toBeLessThan(seen.indexOf(ids[0]!));
    expect((await t.call("GET", "/v1/approvals?cursor=garbage", { key: ana })).body.error.code).toBe(
      "bad_request",
    );
  });

  it("records an approver's decision once; a second decider gets 409 with the standing decision", async () => {
    const id = await seedApproval(t.app.deps);
    const first = await t.call("POST", `/v1/approvals/${id}`, {
      key: ana,
      body: { decision: "approve", rationale: "Refund eligibility confirmed." },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: "approved",
      decision: { decision: "approve", kind: "human", via: "api", decidedBy: "ana@example.com" },
    });
    const second = await t.call("POST", `/v1/approvals/${id}`, {
      key: ben,
      body: { decision: "reject", rationale: "no" },
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({
      code: "already_decided",
      decision: {
        decision: "approve",
        decidedBy: "ana@example.com",
        rationale: "Refund eligibility confirmed.",
      },
    });
    expect(second.body.error.message).toMatch(/already approved by ana@example.com/);
  });

  it("refuses a non-approver (403), a missing rationale (422), an unknown id (404), an agent key (403)", async () => {
    const id = await seedApproval(t.app.deps);
    const body = { decision: "approve", rationale: "ok" };
    const notApprover = await t.call("POST", `/v1/approvals/${id}`, { key: eve, body });
    expect(notApprover.status).toBe(403);
    expect(notApprover.body.error.code).toBe("not_an_approver");
    expect(notApprover.body.error.message).toContain("team:billing-leads");

    const noRationale = await t.call("POST", `/v1/approvals/${id}`, {
      key: ana,
      body: { decision: "approve" },
    });
    expect(noRationale.status).toBe(422);
    expect(noRationale.body.error.code).toBe("rationale_required");

    const unknown = await t.call("POST", "/v1/approvals/approval-call-nope", { key: ana, body });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("not_found");

    const byAgent = await t.call("POST", `/v1/approvals/${id}`, { key: agent, body });
    expect(byAgent.status).toBe(403);
    expect(byAgent.body.error.code).toBe("forbidden");
    const overrideByAgent = await t.call("POST", `/v1/approvals/${id}/override`, {
      key: agent,
      body: { decision: "approve", grantBy: "sre-oncall", reason: "outage" },
    });
    expect(overrideByAgent.status).toBe(403);

    const bad = await t.call("POST", `/v1/approvals/${id}`, { key: ana, body: { decision: "maybe" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("decision: must be approve or reject");
    const malformed = await t.call("POST", `/v1/approvals/${id}`, { key: ana, body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("invalid_json");

    // None of those left a decision behind.
    expect((await t.call("GET", `/v1/approvals/${id}`, { key: ana })).body.status).toBe("pending");
  });

  it("refuses a rationale or reason over RATIONALE_MAX on decide, bulk-decide and override, recording nothing", async () => {
    const id = await seedApproval(t.app.deps);
    const long = "x".repeat(RATIONALE_MAX + 1);
    const decided = await t.call("POST", `/v1/approvals/${id}`, {
      key: ana,
      body: { decision: "approve", rationale: long },
    });
    expect(decided.status).toBe(400);
    expect(decided.body.error).toMatchObject({
      code: "bad_request",
      message: `rationale: must be at most ${RATIONALE_MAX} characters (this one has ${RATIONALE_MAX + 1})`,
      field: "rationale",
      max: RATIONALE_MAX,
    });
    const bulk = await t.call("POST", "/v1/approvals/bulk-decide", {
      key: ana,
      body: { ids: [id], decision: "approve", rationale: long },
    });
    expect(bulk.status).toBe(400);
    expect(bulk.body.error.field).toBe("rationale");
    const overridden = await t.call("POST", `/v1/approvals/${id}/override`, {
      key: sam,
      body: { decision: "approve", grantBy: "sre-oncall", reason: long },
    });
    expect(overridden.status).toBe(400);
    expect(overridden.body.error.message).toMatch(/^reason: must be at most 3000 characters/);
    expect((await t.call("GET", `/v1/approvals/${id}`, { key: ana })).body.status).toBe("pending");

    // Exactly the limit is accepted.
    const atLimit = await t.call("POST", `/v1/approvals/${id}`, {
      key: ana,
      body: { decision: "approve", rationale: "y".repeat(RATIONALE_MAX) },
    });
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.decision.rationale).toHaveLength(RATIONALE_MAX);
  });

  it("authenticates every /v1 call", async () => {
    expect((await t.call("GET", "/v1/approvals")).status).toBe(401);
    expect((await t.call("GET", "/v1/approvals", { key: "csk_op_wrong" })).body.error.code).toBe(
      "unauthorized",
    );
    expect((await t.call("GET", "/v1/approvals", { key: agent })).status).toBe(403);
  });

  it("lets an agent read its own approval and not another agent's", async () => {
    const id = await seedApproval(t.app.deps);
    const other = await t.agentKey("other-bot");
    expect((await t.call("GET", `/v1/approvals/${id}`, { key: agent })).status).toBe(200);
    expect((await t.call("GET", `/v1/approvals/${id}`, { key: other })).status).toBe(404);
  });

  it("bulk-decides with one rationale and reports each outcome", async () => {
    const a = await seedApproval(t.app.deps);
    const b = await seedApproval(t.app.deps);
    const c = await seedApproval(t.app.deps);
    await t.call("POST", `/v1/approvals/${c}`, { key: ben, body: { decision: "reject", rationale: "dup" } });
    const { status, body } = await t.call("POST", "/v1/approvals/bulk-decide", {
      key: ana,
      body: { ids: [a, b, c, "approval-call-missing"], decision: "approve", rationale: "batch reviewed" },
    });
    expect(status).toBe(200);
    expect(body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      "decided",
      "decided",
      "already_decided",
      "not_found",
    ]);
    const eveBulk = await t.call("POST", "/v1/approvals/bulk-decide", {
      key: eve,
      body: { ids: [await seedApproval(t.app.deps)], decision: "approve", rationale: "x" },
    });
    expect(eveBulk.body.results[0].outcome).toBe("not_an_approver");
  });

  it("lets sre-oncall override with a reason, refuses others, and stops at the daily limit", async () => {
    const id = await seedApproval(t.app.deps);
    const body = { decision: "approve", grantBy: "sre-oncall", reason: "Outage: payment system down" };
    const byApprover = await t.call("POST", `/v1/approvals/${id}/override`, { key: ana, body });
    expect(byApprover.status).toBe(403);
    expect(byApprover.body.error.message).toBe("ana@example.com is not a member of Role sre-oncall");
    const noReason = await t.call("POST", `/v1/approvals/${id}/override`, {
      key: sam,
      body: { ...body, reason: " " },
    });
    expect(noReason.status).toBe(422);

    const ok = await t.call("POST", `/v1/approvals/${id}/override`, { key: sam, body });
    expect(ok.status).toBe(200);
    expect(ok.body.decision).toMatchObject({
      kind: "override",
      grantBy: "sre-oncall",
      decidedBy: "sam@example.com",
    });

    for (let i = 0; i < 2; i++) {
      const more = await t.call("POST", `/v1/approvals/${await seedApproval(t.app.deps)}/override`, {
        key: sam,
        body,
      });
      expect(more.status).toBe(200);
    }
    const fourth = await seedApproval(t.app.deps);
    const limited = await t.call("POST", `/v1/approvals/${fourth}/override`, { key: sam, body });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("override_limit");
    expect((await t.call("GET", `/v1/approvals/${fourth}`, { key: sam })).body.status).toBe("pending");
  });

  it("mints keys for admins only, shown once, and audits it", async () => {
    const made = await t.call("POST", "/v1/keys", { key: t.adminKey, body: { agent: "new-bot" } });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^csk_agent_/);
    expect((await t.call("GET", "/v1/approvals/x", { key: made.body.key })).status).toBe(404);
    expect((await t.call("POST", "/v1/keys", { key: ana, body: { agent: "x" } })).status).toBe(403);
    const bad = await t.call("POST", "/v1/keys", { key: t.adminKey, body: { operator: "not-an-email" } });
    expect(bad.status).toBe(400);
    const audit = await t.call("GET", "/v1/audit", { key: t.adminKey });
    expect(audit.body.items.some((e: { type: string }) => e.type === "key.created")).toBe(true);
    expect((await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body).toMatchObject({ ok: true });
  });

  it("serves Prometheus metrics to the admin key", async () => {
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    const text = await res.text();
    expect(text).toMatch(/countersign_approvals_pending \d+/);
    expect(text).toMatch(/countersign_decisions_total\{decision="approve",kind="human"\} \d+/);
  });

  it("answers unknown routes with the error shape", async () => {
    expect(await t.call("GET", "/nope")).toEqual({
      status: 404,
      body: { error: { code: "not_found", message: "no route for GET /nope" } },
    });
  });
});
