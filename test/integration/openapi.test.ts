// GET /openapi.json: every /v1 route the server registers (read from Fastify's own route table, so a
// route added without apiRoute() fails here) is in the document with its requests, answers and errors,
// and the running server's real answers, successes and refusals alike, conform to it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiPath } from "../../gateway/http/openapi.ts";
import { routeTable } from "../../gateway/http/route-table.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { type Conformance, conformance } from "../helpers/openapi-conformance.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`OpenAPI document (${backend})`, () => {
  let t: TestApp;
  // biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON
  let doc: any;
  let spec: Conformance;

  beforeAll(async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = await res.json();
    spec = conformance(doc);
  });
  afterAll(() => t.close());

  it("is OpenAPI 3.1 and holds every /v1 route in Fastify's route table, each declared with apiRoute()", () => {
    expect(doc.openapi).toBe("3.1.0");
    const v1 = routeTable(t.app.server).filter((r) => r.url.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThanOrEqual(17);
    const undeclared = v1.filter((r) => !r.api).map((r) => `${r.method} ${r.url}`);
    expect(undeclared, "declare these with apiRoute() (gateway/http/api-route.ts)").toEqual([]);
    for (const r of v1) {
      expect(doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(v1.map((r) => `${r.method} ${openApiPath(r.url)}`).sort());
  });

  it("documents each route's input from the schemas it validates with, and every error response", () => {
    const create = doc.paths["/v1/tool-calls"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["tool"]);
    expect(Object.keys(body.properties)).toEqual(["tool", "input", "idempotencyKey", "requestedBy"]);
    expect(body.properties.idempotencyKey).toMatchObject({ type: "string", minLength: 1, maxLength: 200 });
    expect(Object.keys(create.responses).sort()).toEqual([
      "200",
      "202",
      "400",
      "401",
      "403",
      "404",
      "413",
      "422",
      "429",
      "500",
      "503",
    ]);
    const refused = create.responses["403"].content["application/json"].schema;
    expect(JSON.stringify(refused)).toContain('"denied"');
    const list = doc.paths["/v1/approvals"].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(list).toEqual(expect.arrayContaining(["query:status", "query:limit", "query:cursor"]));
    const one = doc.paths["/v1/approvals/{id}"].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(one).toEqual(expect.arrayContaining(["path:id", "query:wait"]));
  });

  it("the server's real answers, successes and refusals, conform to the document", async () => {
    const [ana, ben, agent] = await Promise.all([
      t.operatorKey("ana@example.com"),
      t.operatorKey("ben@example.com"),
      t.agentKey("support-bot"),
    ]);
    const admin = t.adminKey;
    const pending = await seedApproval(t.app.deps);
    const decided = await seedApproval(t.app.deps);
    const samples: [string, string, { key?: string; body?: unknown }][] = [
      [
        "POST",
        "/v1/tool-calls",
        { key: agent, body: { tool: "refund.issue", input: { orderId: "o-1", amount: 20 } } },
      ],
      ["POST", "/v1/tool-calls", { key: agent, body: { tool: "no.such.tool", input: {} } }],
      ["POST", "/v1/tool-calls", { key: agent, body: { tool: 7 } }],
      ["POST", "/v1/tool-calls", { key: agent, body: "{not json" }],
      ["POST", "/v1/tool-calls", { body: { tool: "refund.issue" } }],
      ["POST", "/v1/tool-calls", { key: ana, body: { tool: "refund.issue" } }],
      ["GET", "/v1/tool-calls/call-nope", { key: agent }],
      ["GET", "/v1/tool-calls/call-nope?wait=abc", { key: agent }],
      ["POST", "/v1/approvals", { key: agent, body: { action: "report.send", context: { to: "x" } } }],
      ["POST", "/v1/approvals", { key: agent, body: { action: "" } }],
      ["GET", "/v1/approvals", { key: ana }],
      ["GET", "/v1/approvals?status=all&limit=2", { key: admin }],
      ["GET", "/v1/approvals?limit=0", { key: ana }],
      ["GET", `/v1/approvals/${pending}`, { key: ana }],
      ["GET", `/v1/approvals/${pending}`, { key: agent }],
      ["GET", "/v1/approvals/approval-nope", { key: ana }],
      ["POST", `/v1/approvals/${decided}`, { key: ana, body: { decision: "approve", rationale: "checked" } }],
      ["POST", `/v1/approvals/${decided}`, { key: ben, body: { decision: "reject", rationale: "late" } }],
      ["POST", `/v1/approvals/${pending}`, { key: ana, body: { decision: "maybe" } }],
      ["POST", `/v1/approvals/${pending}`, { key: "csk_op_unknown", body: { decision: "approve" } }],
      [
        "POST",
        "/v1/approvals/bulk-decide",
        { key: ben, body: { ids: [pending, "approval-nope"], decision: "approve", rationale: "ok" } },
      ],
      [
        "POST",
        `/v1/approvals/${pending}/override`,
        { key: ana, body: { decision: "approve", grantBy: "sre-oncall", reason: "down" } },
      ],
      ["POST", "/v1/keys", { key: admin, body: { agent: "support-bot", expiresInDays: 3 } }],
      ["POST", "/v1/keys", { key: admin, body: { who: "x" } }],
      ["GET", "/v1/keys?status=all", { key: admin }],
      ["DELETE", "/v1/keys/key-nope", { key: admin }],
      ["GET", "/v1/audit?limit=5", { key: admin }],
      ["GET", "/v1/audit?cursor=x", { key: admin }],
      ["GET", "/v1/audit/verify", { key: admin }],
      ["GET", "/v1/audit/public-key", { key: admin }],
      ["POST", "/v1/audit/export", { key: admin }],
      ["GET", "/v1/audit", { key: agent }],
      ["GET", "/v1/mcp/servers", { key: ana }],
      ["GET", "/v1/mcp/servers/nope", { key: ana }],
    ];
    const problems: string[] = [];
    const statuses = new Set<number>();
    for (const [method, path, opts] of samples) {
      const res = await t.call(method, path, opts);
      statuses.add(res.status);
      problems.push(...spec.check(method, path, res.status, res.body));
    }
    // The key revoked through the API answers as the document says too.
    const keys = await t.call("GET", "/v1/keys", { key: admin });
    const revoked = await t.call("DELETE", `/v1/keys/${keys.body.items.at(-1).id}`, { key: admin });
    problems.push(...spec.check("DELETE", "/v1/keys/x", revoked.status, revoked.body));
    expect(problems).toEqual([]);
    // The sample reached successes and the refusals worth documenting.
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 202, 400, 401, 403, 404, 409]));
  });

  it("a status or body the document does not allow is caught (the check can fail)", () => {
    expect(spec.check("GET", "/v1/approvals/x", 418, {})).toEqual([
      expect.stringContaining("status 418 is not among"),
    ]);
    expect(spec.check("GET", "/v1/audit/verify", 200, { ok: "yes", checked: 1 })[0]).toContain(
      "/ok must be boolean",
    );
    expect(spec.check("GET", "/v1/audit/verify", 404, { error: { code: "nope", message: "x" } })).not.toEqual(
      [],
    );
    expect(spec.check("GET", "/v1/nothing", 200, {})).toEqual(["GET /v1/nothing: no path in the document"]);
  });
});
