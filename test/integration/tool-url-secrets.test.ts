// A Tool URL may carry the tool's own credentials in its query string (`?api_key=…`), as it may in its
// user-info part. They are the tool's, not the agent's: a failed call's error, which the agent reads,
// names the tool's address without them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { prodAgentYaml, resourcesYaml, toolYaml } from "../helpers/resource-yaml.ts";

const SECRET = "sk_live_5f2b8c1d9e";

describe(`a Tool URL's query-string secrets (${backend})`, () => {
  let t: TestApp;
  let agentKey: string;

  beforeAll(async () => {
    // Port 1 refuses connections: the call fails with an error naming the address.
    const tool = (name: string, method: string) =>
      toolYaml(
        name,
        `  type: rest\n  endpoint: { url: "http://user:pw-${SECRET}@127.0.0.1:1/v2/charge?api_key=${SECRET}&mode=live", method: ${method}, timeoutMs: 1000 }\n` +
          "  sideEffects: { level: read_only, idempotent: false, requiresApproval: false }\n",
      );
    t = await startTestApp({
      onlyYaml: resourcesYaml(
        tool("billing.post", "POST"),
        tool("billing.get", "GET"),
        prodAgentYaml("support-bot"),
      ),
    });
    agentKey = await t.agentKey("support-bot");
  });
  afterAll(async () => t?.close());

  for (const name of ["billing.post", "billing.get"]) {
    it(`leaves them out of the error ${name}'s agent reads, naming the address`, async () => {
      const res = await t.call("POST", "/v1/tool-calls", {
        key: agentKey,
        body: { tool: name, input: { q: 1 } },
      });
      expect(res.body.status).toBe("failed");
      expect(res.body.error).toContain("127.0.0.1:1/v2/charge");
      expect(res.body.error).toContain("api_key=");
      const stored = await t.call("GET", `/v1/tool-calls/${res.body.id}`, { key: agentKey });
      for (const body of [res.body, stored.body]) expect(JSON.stringify(body)).not.toContain(SECRET);
    });
  }
});
