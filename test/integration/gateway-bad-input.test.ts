// Every wrong move an agent can make against the gateway gets a clear error naming the problem, and an
// agent never sees another agent's calls or approvals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

describe(`gateway bad input and isolation (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;
  let otherKey: string;
  let ana: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    t = await startTestApp({ onlyYaml: gatewayYaml(tools.url) });
    [agentKey, otherKey, ana] = await Promise.all([
      t.agentKey("support-bot"),
      t.agentKey("other-bot"),
      t.operatorKey("ana@example.com"),
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const post = (body: unknown, key: string | null = agentKey) =>
    t.call("POST", "/v1/tool-calls", { key: key ?? undefined, body });

  it("answers malformed JSON with 400 invalid_json", async () => {
    const res = await post('{"tool": "ticket.triage", "input": {');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_json");
  });

  it("answers an unknown tool with 404 unknown_tool, before anything runs", async () => {
    const res = await post({ tool: "refund.issue.v2", input: {} });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: "unknown_tool" });
    expect(res.body.error.message).toContain("refund.issue.v2");
  });

  it("answers input failing the tool's inputSchema with 422 naming the field", async () => {
    const missing = await post({ tool: "refund.issue", input: { ticket: "T-1" } });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: "invalid_input", field: "input.amount" });
    expect(missing.body.error.message).toBe("input.amount: is required");
    const wrongType = await post({ tool: "refund.issue", input: { ticket: "T-1", amount: "lots" } });
    expect(wrongType.body.error).toMatchObject({ code: "invalid_input", field: "input.amount" });
    expect(wrongType.body.error.message).toBe("input.amount: must be number");
    // Refused before policy: no approval was created.
    expect((await t.call("GET", "/v1/approvals?status=all", { key: ana })).body.items).toHaveLength(0);
  });

  it("answers a body that is not a tool call with 400 naming the field", async () => {
    expect((await post({ input: {} })).body.error).toMatchObject({ code: "bad_request" });
    expect((await post({ input: {} })).body.error.message).toMatch(/^tool: /);
    const notObject = await post({ tool: "ticket.triage", input: [1, 2] });
    expect(notObject.status).toBe(400);
    expect(notObject.body.error.message).toBe("input: must be a JSON object");
  });

  it("answers a body over 1 MiB with 413", async () => {
    const res = await post({ tool: "ticket.triage", input: { blob: "x".repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
  });

  it("answers a missing or wrong key with 401 and an operator key with 403", async () => {
    const body = { tool: "ticket.triage", input: {} };
    expect((await post(body, null)).status).toBe(401);
    const wrong = await post(body, "csk_agent_not-a-real-key");
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
    const operator = await post(body, ana);
    expect(operator.status).toBe(403);
    expect(operator.body.error.code).toBe("forbidden");
    expect(tools.count("/triage")).toBe(0);
  });

  it("refuses a wait longer than 60 seconds", async () => {
    const res = await t.call("GET", "/v1/tool-calls/call-x?wait=61", { key: agentKey });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe("wait: must be at most 60 seconds");
  });

  it("hides one agent's calls and approvals from another (404), waiting or not", async () => {
    const started = await post({ tool: "refund.issue", input: { ticket: "T-5", amount: 1 } });
    expect(started.status).toBe(202);
    const { id, approvalId } = started.body;
    for (const path of [
      `/v1/tool-calls/${id}`,
      `/v1/tool-calls/${id}?wait=5`,
      `/v1/approvals/${approvalId}?wait=5`,
    ]) {
      const res = await t.call("GET", path, { key: otherKey });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await t.call("GET", `/v1/tool-calls/${id}`, { key: agentKey })).body.status).toBe(
      "waiting_for_approval",
    );
    expect((await t.call("GET", "/v1/tool-calls/call-nope", { key: agentKey })).status).toBe(404);
  });

  describe("POST /v1/approvals", () => {
    const ask = (body: unknown, key = agentKey) => t.call("POST", "/v1/approvals", { key, body });

    it("creates a routed approval: 201 pending with its expiry", async () => {
      const res = await ask({
        action: "deploy.production",
        context: { version: "1.2.3" },
        timeoutMs: 600_000,
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        status: "pending",
        action: "deploy.production",
        tool: null,
        context: { version: "1.2.3" },
        policy: "ops",
        rule: 2,
        approvers: ["ana@example.com", "ben@example.com"],
      });
      expect(res.body.id).toMatch(/^approval-/);
      expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(600_000);
    });

    it("refuses an action no policy routes to a person with 422 no_route", async () => {
      const res = await ask({ action: "coffee.order" });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("no_route");
      expect(res.body.error.message).toContain("coffee.order");
    });

    it("refuses an action a policy denies with 403 denied", async () => {
      const res = await ask({ action: "forbidden.thing" });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: "denied", reason: "policy", policy: "ops", rule: 4 });
    });

    it("validates the body", async () => {
      expect((await ask({})).body.error.message).toMatch(/^action: /);
      expect((await ask({ action: "deploy.x", timeoutMs: -5 })).body.error.message).toBe(
        "timeoutMs: must be more than 0",
      );
      expect((await ask({ action: "deploy.x" }, ana)).status).toBe(403);
    });
  });
});
