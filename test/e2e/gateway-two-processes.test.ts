// Two server processes on one PostgreSQL: a long-poll held by one wakes within 100 ms of a decision made
// on the other, and an approved call is run by exactly one of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { gatewayYaml } from "../helpers/gateway-resources.ts";
import {
  agentAndAnaKeys,
  callServer as call,
  type ServerFixture,
  serverFixture,
  startReplicas,
} from "../helpers/server-fixture.ts";
import type { ServerProcess } from "../helpers/server-process.ts";
import { startToolEndpoint, type ToolEndpoint } from "../helpers/tool-endpoint.ts";

const ADMIN_KEY = "two-process-admin-key-0123456789";

describe.skipIf(backend !== "postgres")(
  "gateway across two processes (PostgreSQL only: PGlite is one process)",
  () => {
    let tools: ToolEndpoint;
    let fixture: ServerFixture;
    let a: ServerProcess;
    let b: ServerProcess;
    let agent: string;
    let ana: string;

    beforeAll(async () => {
      tools = await startToolEndpoint();
      fixture = await serverFixture("two", gatewayYaml(tools.url), ADMIN_KEY);
      [a, b] = (await startReplicas(fixture)) as [ServerProcess, ServerProcess];
      ({ agent, ana } = await agentAndAnaKeys(a, ADMIN_KEY));
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await tools?.close();
      await fixture?.remove();
    });

    it("wakes a waiter on one process within 100 ms of a decision on the other", async () => {
      for (let round = 0; round < 5; round++) {
        const created = await call("POST", `${a.url}/v1/approvals`, agent, { action: `deploy.r${round}` });
        expect(created.status).toBe(201);
        const sentAt = Date.now();
        const waiter = call("GET", `${a.url}/v1/approvals/${created.body.id}?wait=30`, agent).then((res) => ({
          ...res,
          at: Date.now(),
        }));
        // Give the long-poll time to be held on A, so the wake-up has to come from B's NOTIFY.
        await new Promise((r) => setTimeout(r, 150));
        const decided = await call("POST", `${b.url}/v1/approvals/${created.body.id}`, ana, {
          decision: "approve",
          rationale: "go",
        });
        const decidedAt = Date.now();
        expect(decided.status).toBe(200);
        const woke = await waiter;
        expect(woke.body.status).toBe("approved");
        expect(woke.at - sentAt).toBeGreaterThanOrEqual(150);
        expect(woke.at - decidedAt).toBeLessThan(100);
      }
    });

    it("runs an approved call once, whichever process hears the approval first", async () => {
      const started = await call("POST", `${a.url}/v1/tool-calls`, agent, {
        tool: "refund.issue",
        input: { ticket: "T-2P", amount: 3 },
      });
      expect(started.status).toBe(202);
      await call("POST", `${b.url}/v1/approvals/${started.body.approvalId}`, ana, {
        decision: "approve",
        rationale: "ok",
      });
      let settled = started.body;
      for (
        let i = 0;
        i < 3 && (settled.status === "waiting_for_approval" || settled.status === "executing");
        i++
      ) {
        settled = (await call("GET", `${b.url}/v1/tool-calls/${started.body.id}?wait=10`, agent)).body;
      }
      expect(settled).toMatchObject({ status: "succeeded", attempts: 1 });
      expect(tools.count("/refunds")).toBe(1);
    });
  },
);
