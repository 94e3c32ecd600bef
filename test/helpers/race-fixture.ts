// 200 approvers of one financial decision tool: the crowd that races to decide one approval.
import { API_VERSION, decisionToolYaml, resourcesYaml } from "./resource-yaml.ts";

export const APPROVERS = Array.from({ length: 200 }, (_, i) => `approver${i}@example.com`);

export const RACE_YAML = resourcesYaml(
  `${API_VERSION}
kind: Team
metadata: { name: crowd }
spec:
  members:
${APPROVERS.map((e) => `    - { email: ${e} }`).join("\n")}`,
  decisionToolYaml("payout.send", "financial"),
  `${API_VERSION}
kind: Policy
metadata: { name: payouts }
spec:
  appliesTo: { agents: [payout-bot] }
  rules:
    - when: { tool.name: payout.send }
      require:
        approval: human
        approvalRouting: { approvers: [team:crowd], timeoutMinutes: 60, onTimeout: deny }`,
);
