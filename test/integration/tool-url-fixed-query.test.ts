// A Tool URL's query parameters (`?tenant=acme`) are the operator's: a GET tool's input becomes query
// parameters too, and must never replace a fixed one — the call is refused naming the field, and the
// request a tool receives always carries the operator's value.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendToolRequest } from "../../gateway/execute/http-call.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { prodAgentYaml, resourcesYaml, toolYaml } from "../helpers/resource-yaml.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

describe(`a GET tool's fixed query parameters (${backend})`, () => {
  let t: TestApp;
  let tools: ToolEndpoint;
  let agentKey: string;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    const lookup = toolYaml(
      "customer.lookup",
      `  type: rest\n  endpoint: { url: "${tools.url}/customers?tenant=acme&region=eu", method: GET, timeoutMs: 2000 }\n` +
        "  sideEffects: { level: read_only, idempotent: true, requiresApproval: false }\n",
    );
    t = await startTestApp({ onlyYaml: resourcesYaml(lookup, prodAgentYaml("support-bot")) });
    agentKey = await t.agentKey("support-bot");
  });
  afterAll(async () => {
    await t?.close();
    await tools?.close();
  });

  const call = (input: unknown) =>
    t.call("POST", "/v1/tool-calls", { key: agentKey, body: { tool: "customer.lookup", input } });

  it("sends the input beside the fixed parameters", async () => {
    const res = await call({ q: "ana", limit: 5 });
    expect(res.status).toBe(200);
    const seen = tools.requests.at(-1)!;
    expect(seen.query.getAll("tenant")).toEqual(["acme"]);
    expect(seen.query.get("region")).toBe("eu");
    expect(seen.query.get("q")).toBe("ana");
    expect(seen.query.get("limit")).toBe("5");
  });

  it("refuses an input naming a fixed parameter with 422, before the tool is called", async () => {
    const before = tools.count("/customers");
    const res = await call({ tenant: "globex", q: "ana" });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "invalid_input", field: "input.tenant" });
    expect(res.body.error.message).toBe(
      "input.tenant: is fixed by the Tool's URL and cannot be set by a call",
    );
    expect(tools.count("/customers")).toBe(before);
  });

  it("keeps the fixed value even where no check ran first", async () => {
    const endpoint = {
      url: `${tools.url}/customers?tenant=acme`,
      method: "GET",
      timeoutMs: 2000,
      headers: {},
    };
    const sent = await sendToolRequest(endpoint as never, { tenant: "globex", q: "x" });
    expect(sent.kind).toBe("answered");
    const seen = tools.requests.at(-1)!;
    expect(seen.query.getAll("tenant")).toEqual(["acme"]);
    expect(seen.query.get("q")).toBe("x");
  });

  it("sends credentials in the Tool URL as Basic authentication, for GET and POST tools alike", async () => {
    const withUser = tools.url.replace("http://", "http://billing:s%40fe@");
    for (const [method, path] of [
      ["GET", "/customers?tenant=acme"],
      ["POST", "/charges"],
    ] as const) {
      const endpoint = { url: `${withUser}${path}`, method, timeoutMs: 2000, headers: {} };
      const sent = await sendToolRequest(endpoint as never, { q: "x" });
      expect(sent.kind).toBe("answered");
      const seen = tools.requests.at(-1)!;
      expect(seen.method).toBe(method);
      expect(seen.headers.authorization).toBe(`Basic ${Buffer.from("billing:s@fe").toString("base64")}`);
    }
  });
});
