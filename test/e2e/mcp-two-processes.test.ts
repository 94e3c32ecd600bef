// Two server processes on one PostgreSQL, each with its own connection to the billing MCP server: an
// agent's identical calls made through both attach to one approval (the identity lives in SQL), a
// decision on either process answers both held requests, and the server runs the refund once.
import { rmSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { mcpYaml, type UpstreamFiles, upstreamCount, upstreamFiles } from "../helpers/mcp-world.ts";
import {
  agentAndAnaKeys,
  callServer as call,
  type ServerFixture,
  serverFixture,
  startReplicas,
} from "../helpers/server-fixture.ts";
import type { ServerProcess } from "../helpers/server-process.ts";

const ADMIN_KEY = "two-process-mcp-admin-key-0123456789";

describe.skipIf(backend !== "postgres")(
  "MCP gateway across two processes (PostgreSQL only: PGlite is one process)",
  () => {
    let files: UpstreamFiles;
    let fixture: ServerFixture;
    let a: ServerProcess;
    let b: ServerProcess;
    let agent: string;
    let ana: string;
    const clients: Client[] = [];

    async function connect(server: ServerProcess): Promise<Client> {
      const client = new Client({ name: "two-process-agent", version: "1" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${server.url}/mcp/billing`), {
          requestInit: { headers: { authorization: `Bearer ${agent}` } },
        }),
      );
      clients.push(client);
      return client;
    }

    beforeAll(async () => {
      files = upstreamFiles();
      fixture = await serverFixture("mcp-two", mcpYaml(files), ADMIN_KEY);
      [a, b] = (await startReplicas(fixture)) as [ServerProcess, ServerProcess];
      ({ agent, ana } = await agentAndAnaKeys(a, ADMIN_KEY));
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await Promise.all([a?.stop(), b?.stop()]);
      await fixture?.remove();
      if (files) rmSync(files.dir, { recursive: true, force: true });
    });

    it("attaches identical calls on both processes to one approval, and runs the refund once", async () => {
      const [onA, onB] = await Promise.all([connect(a), connect(b)]);
      const args = { ticket: "T-TWO", amount: 21 };
      const first = onA.callTool({ name: "issue_refund", arguments: args });
      const second = onB.callTool({ name: "issue_refund", arguments: args });
      let pending: { id: string }[] = [];
      for (let i = 0; i < 100 && pending.length === 0; i++) {
        pending = (await call("GET", `${b.url}/v1/approvals?status=pending&tool=billing.issue_refund`, ana))
          .body.items;
        if (pending.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      // Both requests are in; still one approval.
      await new Promise((r) => setTimeout(r, 300));
      pending = (await call("GET", `${b.url}/v1/approvals?status=all&tool=billing.issue_refund`, ana)).body
        .items;
      expect(pending).toHaveLength(1);
      const decided = await call("POST", `${b.url}/v1/approvals/${pending[0]!.id}`, ana, {
        decision: "approve",
        rationale: "One refund.",
      });
      expect(decided.status).toBe(200);
      const results = await Promise.all([first, second]);
      for (const r of results) {
        expect(r.content).toEqual([{ type: "text", text: "Refunded 21 EUR for T-TWO" }]);
      }
      expect(upstreamCount(files, "issue_refund", "T-TWO")).toBe(1);
    });
  },
);
