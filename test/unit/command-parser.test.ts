import { describe, expect, it } from "vitest";
import { parseCommand, tokenize } from "../../bot/commands/parser.ts";

describe("/approvals parser", () => {
  it("tokenises quoted strings, straight and curly", () => {
    expect(tokenize(`override a-1 approve --reason "CFO said yes" --grant-by sre`)).toEqual([
      "override",
      "a-1",
      "approve",
      "--reason",
      "CFO said yes",
      "--grant-by",
      "sre",
    ]);
    expect(tokenize("decide a-1 reject “over the cap” ‘really’")).toEqual([
      "decide",
      "a-1",
      "reject",
      "over the cap",
      "really",
    ]);
    expect(tokenize(`--reason ""`)).toEqual(["--reason", ""]);
    expect(tokenize(`"unclosed quote runs on`)).toEqual(["unclosed quote runs on"]);
  });

  it("defaults to ls and reads its filters", () => {
    expect(parseCommand("")).toEqual({ kind: "ls" });
    expect(parseCommand("ls --agent support-bot --tool=refund.issue")).toEqual({
      kind: "ls",
      agent: "support-bot",
      tool: "refund.issue",
    });
    expect(parseCommand("ls --agent")).toEqual({ kind: "usage", error: "--agent needs a value" });
    expect(parseCommand("ls --status all")).toEqual({ kind: "usage", error: "unknown option --status" });
  });

  it("reads describe, decide, history and help", () => {
    expect(parseCommand("describe approval-call-1")).toEqual({ kind: "describe", id: "approval-call-1" });
    expect(parseCommand("describe")).toMatchObject({ kind: "usage" });
    expect(parseCommand(`decide a-1 approve Verified by "phone call"`)).toEqual({
      kind: "decide",
      id: "a-1",
      decision: "approve",
      rationale: "Verified by phone call",
    });
    expect(parseCommand("decide a-1 maybe")).toEqual({
      kind: "usage",
      error: "decide needs an approval id and approve or reject",
    });
    expect(parseCommand("history")).toEqual({ kind: "history" });
    expect(parseCommand("help")).toEqual({ kind: "help" });
  });

  it("reads override, requiring --grant-by and a quoted reason", () => {
    expect(parseCommand(`override a-1 reject --grant-by sre-oncall --reason "Fraud pattern"`)).toEqual({
      kind: "override",
      id: "a-1",
      decision: "reject",
      grantBy: "sre-oncall",
      reason: "Fraud pattern",
    });
    expect(parseCommand("override a-1 approve --reason x")).toEqual({
      kind: "usage",
      error: "override needs --grant-by ROLE",
    });
    expect(parseCommand("override a-1 approve --grant-by sre --reason two words")).toEqual({
      kind: "usage",
      error: 'unexpected "words": quote the reason',
    });
    expect(parseCommand("override a-1 approve --grant-by sre")).toMatchObject({
      kind: "override",
      reason: undefined,
    });
  });

  it("answers unknown words with the usage", () => {
    expect(parseCommand("frobnicate")).toEqual({ kind: "usage", error: 'unknown command "frobnicate"' });
  });
});
