// A Policy `matches` pattern runs on agent-chosen strings up to 1 MiB, on the event loop every agent
// shares. A pattern that backtracks catastrophically in a backtracking engine must still answer at once:
// patterns run in linear time, whatever the input.
import { describe, expect, it } from "vitest";
import { compilePolicies } from "../../gateway/policy/engine.ts";
import { parseResourceFiles } from "../../gateway/resources/load.ts";

const V1 = "apiVersion: countersign.dev/v1alpha1";
const yaml = `${V1}
kind: Tool
metadata: { name: note.save }
spec:
  type: decision
  sideEffects: { level: local_write, idempotent: true, requiresApproval: false }
---
${V1}
kind: Policy
metadata: { name: notes }
spec:
  rules:
    - { when: { input.note: { matches: '^(a+)+$' } }, action: deny }
    - { when: { input.note: { matches: '(x+x+)+y' } }, action: deny }
    - { when: { tool.name: note.save }, action: allow }
`;

describe("a catastrophic `matches` pattern on a 1 MiB string", () => {
  const resources = parseResourceFiles([{ file: "notes.yaml", text: yaml }]);
  const engine = compilePolicies(resources);
  const evaluate = (note: string) =>
    engine.evaluate({
      agent: { name: "support-bot", labels: {} },
      tool: resources.tools.get("note.save")!,
      input: { note },
    });

  it("is decided in well under a second, and correctly", () => {
    // 2^n steps for a backtracking engine: minutes already at 30 characters, never ending at 1 MiB.
    const hostile = `${"a".repeat(1024 * 1024 - 1)}!`;
    const started = performance.now();
    const decision = evaluate(hostile);
    const ms = performance.now() - started;
    expect(decision).toMatchObject({ outcome: "allow" });
    expect(ms).toBeLessThan(2_000);
    expect(evaluate("aaaa")).toMatchObject({ outcome: "deny" });
    expect(evaluate(`${"x".repeat(5000)}`)).toMatchObject({ outcome: "allow" });
  });
});
