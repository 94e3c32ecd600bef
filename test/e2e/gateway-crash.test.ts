// SIGKILL while a non-idempotent tool call is in flight, then a restart: the call is outcome_unknown and
// the tool saw exactly one request. Real server processes, on the backend under test (PGlite in a data
// folder, or a PostgreSQL database of its own).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import { callServer as call, type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const ADMIN_KEY = "crash-test-admin-key-0123456789";

describe(`gateway crash mid-call (${backend})`, () => {
  let tools: ToolEndpoint;
  let fixture: ServerFixture;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    tools = await startToolEndpoint();
    tools.behave("/refunds", { hang: true });
    fixture = await serverFixture("crash", gatewayYaml(tools.url, { refundTimeoutMs: 1000 }), ADMIN_KEY);
  });
  afterAll(async () => {
    await server?.kill();
    await tools?.close();
    await fixture?.remove();
  });

  it("leaves the interrupted call outcome_unknown and never sends it again", async () => {
    server = await startServerProcess(fixture.env);
    const mint = async (body: unknown) =>
      (await call("POST", `${server!.url}/v1/keys`, ADMIN_KEY, body)).body.key;
    const agent = await mint({ agent: "support-bot" });
    const ana = await mint({ operator: "ana@example.com" });

    const started = await call("POST", `${server.url}/v1/tool-calls`, agent, {
      tool: "refund.issue",
      input: { ticket: "T-9", amount: 10 },
    });
    expect(started.status).toBe(202);
    const approved = await call("POST", `${server.url}/v1/approvals/${started.body.approvalId}`, ana, {
      decision: "approve",
      rationale: "ok",
    });
    expect(approved.status).toBe(200);

    await tools.waitForRequest("/refunds");
    const during = await call("GET", `${server.url}/v1/tool-calls/${started.body.id}`, agent);
    expect(during.body.status).toBe("executing");
    await server.kill();

    server = await startServerProcess(fixture.env);
    // On PGlite the restart knows at once; on PostgreSQL another replica might still hold the call, so
    // it is declared dead once its lease, no longer renewed by the killed process, has passed.
    let after = (await call("GET", `${server.url}/v1/tool-calls/${started.body.id}`, agent)).body;
    for (let round = 0; round < 3 && after.status === "executing"; round++) {
      after = (await call("GET", `${server.url}/v1/tool-calls/${started.body.id}?wait=10`, agent)).body;
    }
    expect(after).toMatchObject({ status: "outcome_unknown", reason: "process_died", attempts: 1 });
    expect(after.error).toContain("never sent twice");
    expect(tools.count("/refunds")).toBe(1);
    // Two cold starts of a server process; PGlite's first start runs initdb in WASM.
  }, 120_000);
});
