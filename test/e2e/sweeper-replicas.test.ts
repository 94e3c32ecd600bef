// Two server processes on one PostgreSQL, each sweeping every second, over 500 approvals that reach their
// deadline together: every approval expires once, and every posted Slack card is updated once, counted
// at the fake Slack Web API.
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase, queryRows } from "../../db/open.ts";
import { compilePolicies } from "../../gateway/policy/engine.ts";
import { loadResources } from "../../gateway/resources/load.ts";
import { insertApproval } from "../../handlers/approvals/index.ts";
import { backend } from "../helpers/db.ts";
import { FakeSlack } from "../helpers/fake-slack.ts";
import { API_VERSION, decisionToolYaml, prodAgentYaml, resourcesYaml } from "../helpers/resource-yaml.ts";
import { type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const APPROVALS = 500;
const CHANNELS = ["slack:#billing-approvals", "slack:#payments-approvals"];
const ADMIN_KEY = "sweeper-replicas-admin-key-0123456789";

const YAML = resourcesYaml(
  `${API_VERSION}
kind: Team
metadata: { name: billing-leads }
spec: { members: [{ email: ana@example.com, slack: U0ANA00001 }] }`,
  prodAgentYaml("support-bot"),
  decisionToolYaml("refund.issue", "financial"),
  `${API_VERSION}
kind: Policy
metadata: { name: refunds }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.name: refund.issue }
      require:
        approval: human
        approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: 60, onTimeout: deny }
        channels: [${CHANNELS.join(", ")}]`,
);

/** The approvals, as the gateway would create them, 100 to a transaction (seeding is not under test). */
async function seedApprovals(database: Database, resourcesPath: string): Promise<void> {
  const resources = loadResources(resourcesPath);
  const tool = resources.tools.get("refund.issue")!;
  const agent = resources.agents.get("support-bot")!;
  const input = { ticket: "T-1", amount: 42 };
  const verdict = compilePolicies(resources).evaluate({ agent, tool, input });
  if (verdict.outcome !== "require_approval") throw new Error("refund.issue should need approval");
  for (let start = 0; start < APPROVALS; start += 100) {
    await database.db.transaction(async (tx) => {
      for (let i = start; i < Math.min(start + 100, APPROVALS); i++) {
        const id = `approval-call-sweep-${i}`;
        const { policy, rule, routing } = verdict;
        const approval = { id, agent: agent.name, tool: tool.name, action: tool.name, toolCallId: null };
        await insertApproval(
          tx,
          { ...approval, input, context: {}, risk: "financial", policy, rule, routing },
          new Date(),
        );
      }
    });
  }
}

describe.skipIf(backend !== "postgres")(
  "sweeper across two processes (PostgreSQL only: PGlite is one process)",
  () => {
    let slack: FakeSlack;
    let fixture: ServerFixture;
    let servers: ServerProcess[] = [];
    let database: Database;

    beforeAll(async () => {
      slack = await FakeSlack.start();
      fixture = await serverFixture("sweep", YAML, ADMIN_KEY);
      const { dir, resources } = fixture;
      const env = {
        ...fixture.env,
        COUNTERSIGN_SWEEP_CRON: "* * * * * *",
        SLACK_BOT_TOKEN: "xoxb-sweeper-test",
        SLACK_SIGNING_SECRET: "sweeper-test-signing-secret",
        SLACK_API_URL: slack.url,
      };
      database = await openDatabase({ databaseUrl: fixture.databaseUrl, poolSize: 4 });
      // Seeded before the servers start, so the two do not slow each other down on two cores.
      await seedApprovals(database, resources);
      servers = await Promise.all(
        ["a", "b"].map((name) => startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(dir, name) })),
      );
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.close();
      await slack?.close();
      await fixture?.remove();
    });

    it(`expires ${APPROVALS} approvals once and updates each of their ${APPROVALS * CHANNELS.length} cards once`, async () => {
      const cards = APPROVALS * CHANNELS.length;
      await slack.waitFor("chat.postMessage", cards, () => true, 60_000);

      // Every card is up. Rather than wait an hour, the test brings all 500 deadlines to one moment.
      await database.db.execute(
        sql`UPDATE approvals SET expires_at = now() + interval '1 second' WHERE status = 'pending'`,
      );
      const updates = await slack.waitFor("chat.update", cards, () => true, 60_000);
      // Two more sweeps on each server: nothing further may be sent.
      await new Promise((r) => setTimeout(r, 2500));

      const [decided] = await queryRows<{ timeouts: number; other: number }>(
        database.db,
        sql`SELECT count(*) FILTER (WHERE kind = 'timeout')::int AS timeouts,
                   count(*) FILTER (WHERE kind <> 'timeout')::int AS other FROM decisions`,
      );
      expect(decided).toEqual({ timeouts: APPROVALS, other: 0 });
      const [expiredEvents] = await queryRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM audit_events WHERE type = 'approval.expired'`,
      );
      expect(expiredEvents!.n).toBe(APPROVALS);

      const posts = slack.calls("chat.postMessage");
      expect(posts).toHaveLength(cards);
      expect(slack.calls("chat.update")).toHaveLength(cards);
      const updated = new Set(updates.map((u) => `${u.channel}/${u.ts}`));
      expect(updated.size).toBe(cards);
      expect(updates.every((u) => JSON.stringify(u.blocks).includes("Expired — denied"))).toBe(true);
      const posted = new Set(slack.calls("chat.postMessage").map((p) => p.channel));
      expect([...posted].sort()).toEqual(["C0BILLING01", "C0PAYMENTS1"]);
      for (const s of servers) expect(s.output()).not.toMatch(/sweep failed/);
    }, 120_000);
  },
);
