// What agents choose (an action, an input, a tool's result, a rationale) reaches the operator's terminal.
// A control character in it — an escape sequence that clears the line and moves the cursor, a carriage
// return, a bidi override — must show as what it is, never act on the terminal: `approvals ls` rows and
// `describe` output cannot be rewritten by the data they show.
import { describe, expect, it } from "vitest";
import { queueTable } from "../../cli/render/approval.ts";
import { describeApproval } from "../../cli/render/describe.ts";
import { createStyle } from "../../cli/render/style.ts";
import type { ToolCall } from "../../sdk/types.ts";
import { sampleApproval } from "../helpers/approval-view.ts";

const NOW = new Date("2026-05-01T14:10:00.000Z");
const ERASE_AND_REWRITE = "deploy.web\u001b[2K\u001b[1Gdocs.typo";
// Any C0 or C1 control, DEL, or a bidi embedding/override/isolate acts on a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ACTING = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const hostile = sampleApproval({
  tool: null,
  action: ERASE_AND_REWRITE,
  agent: "bot\rroot",
  context: { note: "ok\u009b31m\u202egnp.exe" },
});

describe("agent-chosen text in the terminal", () => {
  for (const color of [false, true]) {
    it(`approvals ls shows an escape sequence in an action as visible text (colour ${color})`, () => {
      const lines = queueTable([hostile, sampleApproval()], true, NOW, createStyle(color));
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the CLI's own colours are let through
      const plain = lines.join("\n").replace(/\u001b\[[0-9;]*m/g, (sgr) => (color ? "" : sgr));
      expect(plain).not.toMatch(ACTING);
      expect(plain).toContain("deploy.web\\x1b[2K\\x1b[1Gdocs.typo");
      expect(plain).toContain("bot\\rroot");
      expect(lines).toHaveLength(3);
    });
  }

  it("describe shows a tool's result and the request's context with their control characters visible", () => {
    const toolCall: ToolCall = {
      id: "call-abc123",
      status: "succeeded",
      agent: "support-bot",
      tool: "refund.issue",
      input: {},
      originalInput: null,
      result: { out: "done\u001b]0;owned\u0007\u001b[1A" },
      error: null,
      reason: null,
      policy: null,
      rule: null,
      approvalId: hostile.id,
      attempts: 1,
      createdAt: "2026-05-01T14:05:00.000Z",
      updatedAt: "2026-05-01T14:06:00.000Z",
    };
    const lines = describeApproval(
      { approval: hostile, audit: { unavailable: "needs an admin key" }, toolCall },
      NOW,
      createStyle(false),
    );
    const text = lines.join("\n");
    expect(text).not.toMatch(ACTING);
    // The result is shown as JSON, whose own escapes make ESC and BEL visible.
    expect(text).toContain("\\u001b]0;owned\\u0007\\u001b[1A");
    expect(text).toContain("\\x9b31m\\u202egnp.exe");
    expect(text).toContain(ERASE_AND_REWRITE.replaceAll("\u001b", "\\x1b"));
  });
});
