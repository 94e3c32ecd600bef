// "What waits for me": by email, and through a Team's Slack user group.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listQueue } from "../../handlers/approvals/index.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { API_VERSION, decisionToolYaml, resourcesYaml } from "../helpers/resource-yaml.ts";
import { seedApproval } from "../helpers/seed.ts";

const YAML = resourcesYaml(
  `${API_VERSION}
kind: Team
metadata: { name: deployers }
spec:
  slackUserGroup: S0DEPLOY1
  members: [{ email: lead@example.com }]`,
  decisionToolYaml("release.prod", "privileged", { idempotent: true }),
  `${API_VERSION}
kind: Policy
metadata: { name: deploys }
spec:
  rules:
    - when: { tool.name: "release.*" }
      require:
        approval: human
        approvalRouting: { approvers: [team:deployers], timeoutMinutes: 30, onTimeout: deny }`,
);

describe(`queue filtered by approver (${backend})`, () => {
  let t: TestApp;
  let deployId: string;
  let refundId: string;

  beforeAll(async () => {
    t = await startTestApp({ yaml: YAML });
    deployId = await seedApproval(t.app.deps, { tool: "release.prod" });
    refundId = await seedApproval(t.app.deps);
  });
  afterAll(() => t.close());

  const ids = async (approver: { email: string; slackGroups?: string[] }) =>
    (await listQueue(t.app.deps, { approver })).items.map((a) => a.id);

  it("shows a routed approver what they may decide, and no more", async () => {
    expect(await ids({ email: "ana@example.com" })).toEqual([refundId]);
    expect(await ids({ email: "lead@example.com" })).toEqual([deployId]);
    expect(await ids({ email: "nobody@example.com" })).toEqual([]);
  });

  it("counts membership of the Team's Slack user group", async () => {
    expect(await ids({ email: "dev@example.com", slackGroups: ["S0DEPLOY1"] })).toEqual([deployId]);
    expect(await ids({ email: "dev@example.com", slackGroups: ["S0OTHER"] })).toEqual([]);
  });
});
