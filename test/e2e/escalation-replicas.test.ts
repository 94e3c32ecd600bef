// Two server processes on one PostgreSQL, each sweeping every second: an approval's three escalation
// levels fire once each, in order, and its reminders go out once per interval until it is decided, with
// the messages counted at the fake Slack Web API. Real time (levels a few seconds apart) because the two
// processes share no clock a test could move.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { FakeSlack } from "../helpers/fake-slack.ts";
import { API_VERSION, decisionToolYaml, prodAgentYaml, resourcesYaml } from "../helpers/resource-yaml.ts";
import { callServer as call, type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const ADMIN_KEY = "escalation-replicas-admin-key-0123";
// Levels at 3, 6 and 9 s of a 30 s timeout; reminders every 3 s.
const YAML = resourcesYaml(
  `${API_VERSION}
kind: Team
metadata: { name: leads }
spec: { members: [{ email: ana@example.com, slack: U0ANA00001 }, { email: ben@example.com, slack: U0BEN00002 }] }`,
  `${API_VERSION}
kind: Role
metadata: { name: oncall }
spec: { grants: [approvals.override], members: [{ email: sam@example.com, slack: U0SAM00003 }] }`,
  prodAgentYaml("support-bot"),
  decisionToolYaml("payout.send", "financial"),
  `${API_VERSION}
kind: Policy
metadata: { name: payouts }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.name: payout.send }
      require:
        approval: human
        approvalRouting:
          approvers: [team:leads]
          timeoutMinutes: 0.5
          onTimeout: deny
          sla:
            remindEveryMinutes: 0.05
            escalation:
              - { afterMinutes: 0.05, to: [user:sam@example.com] }
              - { afterMinutes: 0.1, channels: [slack:#sre-oncall] }
              - { afterMinutes: 0.15, to: [user:sam@example.com], channels: [slack:#payments-approvals] }
        channels: [slack:#billing-approvals]`,
);

interface Event {
  id: number;
  at: string;
  type: string;
  data: { level?: number };
}

describe.skipIf(backend !== "postgres")(
  "escalation levels and reminders across two sweeping processes (PostgreSQL only: PGlite is one process)",
  () => {
    let slack: FakeSlack;
    let fixture: ServerFixture;
    let servers: ServerProcess[] = [];

    beforeAll(async () => {
      slack = await FakeSlack.start();
      fixture = await serverFixture("levels", YAML, ADMIN_KEY);
      const env = {
        ...fixture.env,
        COUNTERSIGN_SWEEP_CRON: "* * * * * *",
        SLACK_BOT_TOKEN: "xoxb-levels-test",
        SLACK_SIGNING_SECRET: "levels-test-signing-secret",
        SLACK_API_URL: slack.url,
      };
      servers = await Promise.all(
        ["a", "b"].map((name) =>
          startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(fixture.dir, name) }),
        ),
      );
    });
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await slack?.close();
      await fixture?.remove();
    });

    const events = async (id: string, type: string): Promise<Event[]> =>
      (await call("GET", `${servers[0]!.url}/v1/audit?approvalId=${id}`, ADMIN_KEY)).body.items.filter(
        (e: Event) => e.type === type,
      );
    const dmsTo = (user: string, id: string) =>
      slack.calls("chat.postMessage").filter((b) => b.channel === user && JSON.stringify(b).includes(id));

    it("fires each level once, in order, and reminds once per interval until decided", async () => {
      const [a, b] = servers as [ServerProcess, ServerProcess];
      const agent = (await call("POST", `${a.url}/v1/keys`, ADMIN_KEY, { agent: "support-bot" })).body.key;
      const ana = (await call("POST", `${b.url}/v1/keys`, ADMIN_KEY, { operator: "ana@example.com" })).body
        .key;
      const created = await call("POST", `${a.url}/v1/tool-calls`, agent, { tool: "payout.send", input: {} });
      expect(created.status).toBe(202);
      const id: string = created.body.approvalId;

      // All three levels are due 9 s in; wait for them, then two more sweeps on each server.
      for (let i = 0; i < 150 && (await events(id, "approval.escalated")).length < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 2_500));
      const escalated = await events(id, "approval.escalated");
      expect(escalated.map((e) => e.data.level)).toEqual([1, 2, 3]);
      // Sam is told twice (levels 1 and 3), each channel once.
      expect(dmsTo("U0SAM00003", id)).toHaveLength(2);
      for (const channel of ["C0SREONCALL", "C0PAYMENTS1"]) {
        expect(
          slack
            .calls("chat.postMessage")
            .filter((m) => m.channel === channel && JSON.stringify(m).includes(id)),
        ).toHaveLength(1);
      }

      // Reminders so far: one round per 3 s interval, however many servers swept.
      const reminded = await events(id, "approval.reminded");
      expect(reminded.length).toBeGreaterThanOrEqual(3);
      const gaps = reminded.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(reminded[i]!.at));
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(3_000);

      const decided = await call("POST", `${b.url}/v1/approvals/${id}`, ana, {
        decision: "approve",
        rationale: "Paid.",
      });
      expect(decided.status).toBe(200);
      const rounds = (await events(id, "approval.reminded")).length;
      await new Promise((r) => setTimeout(r, 4_000));
      expect(await events(id, "approval.reminded")).toHaveLength(rounds);
      // Each round reached ana and ben once by DM (the last may have been dropped, unsent, at the decision).
      for (const user of ["U0ANA00001", "U0BEN00002"]) {
        const dms = dmsTo(user, id).filter((m) => m.text.startsWith("Reminder"));
        expect(dms.length).toBeGreaterThanOrEqual(rounds - 1);
        expect(dms.length).toBeLessThanOrEqual(rounds);
      }
      for (const s of servers) expect(s.output()).not.toMatch(/sweep failed/);
    }, 60_000);
  },
);
