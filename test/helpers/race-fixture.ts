// 200 approvers of one financial decision tool: the crowd that races to decide one approval.
export const APPROVERS = Array.from({ length: 200 }, (_, i) => `approver${i}@example.com`);

export const RACE_YAML = `
apiVersion: countersign.dev/v1alpha1
kind: Team
metadata: { name: crowd }
spec:
  members:
${APPROVERS.map((e) => `    - { email: ${e} }`).join("\n")}
---
apiVersion: countersign.dev/v1alpha1
kind: Tool
metadata: { name: payout.send }
spec:
  type: decision
  sideEffects: { level: financial, idempotent: false, requiresApproval: true }
---
apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: payouts }
spec:
  appliesTo: { agents: [payout-bot] }
  rules:
    - when: { tool.name: payout.send }
      require:
        approval: human
        approvalRouting: { approvers: [team:crowd], timeoutMinutes: 60, onTimeout: deny }
`;
