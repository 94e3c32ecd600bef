// Who may sign in to the console: the people the resources name, loaded by the real loader.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadResources } from "../../gateway/resources/load.ts";
import { isNamedInResources, peopleNamed } from "../../model/operators.ts";

const dir = mkdtempSync(join(tmpdir(), "countersign-operators-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `apiVersion: countersign.dev/v1alpha1
kind: Team
metadata: { name: billing-leads }
spec:
  members: [{ email: Ana@Example.com }]
---
apiVersion: countersign.dev/v1alpha1
kind: Role
metadata: { name: sre-oncall }
spec:
  grants: [approvals.override]
  members: [{ email: sam@example.com }]
---
apiVersion: countersign.dev/v1alpha1
kind: Policy
metadata: { name: p }
spec:
  rules:
    - when: { tool.sideEffect: financial }
      require:
        approvalRouting:
          approvers: [team:billing-leads, user:Dee@Example.com]
          timeoutMinutes: 60
          onTimeout: deny
          sla:
            atRiskAfterMinutes: 10
            breachAfterMinutes: 20
            escalation:
              - { afterMinutes: 20, to: [user:eve@example.com] }
`;

describe("known operators", () => {
  writeFileSync(join(dir, "r.yaml"), YAML);
  const resources = loadResources(dir);

  it("are the members of Teams and Roles and the user: references of routings, lowercased", () => {
    expect([...peopleNamed(resources)].sort()).toEqual([
      "ana@example.com",
      "dee@example.com",
      "eve@example.com",
      "sam@example.com",
    ]);
  });

  it("match whatever the case of the email asked about; anyone else is unknown", () => {
    expect(isNamedInResources("ANA@example.com", resources)).toBe(true);
    expect(isNamedInResources("dee@example.com", resources)).toBe(true);
    expect(isNamedInResources("mallory@example.com", resources)).toBe(false);
    expect(isNamedInResources("", resources)).toBe(false);
  });
});
