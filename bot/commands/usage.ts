// What `approvals help` says: one line per command parser.ts takes, the same on every platform. Each
// platform only adds how the command is typed there (Slack's `/approvals`, Teams' `approvals`).
import type { UsageLine } from "../../blocks/view.ts";

export const COMMAND_USAGE: readonly UsageLine[] = [
  { words: "ls [--agent A] [--tool T]", what: "what waits for you, most urgent first (the default)" },
  { words: "describe ID", what: "one approval in full, with Approve and Reject" },
  { words: "decide ID approve|reject RATIONALE", what: "decide without the buttons" },
  { words: "history", what: "recently decided approvals routed to you" },
  {
    words: 'override ID approve|reject --grant-by ROLE --reason "…"',
    what: "break-glass, Role members only",
  },
  { words: "help", what: "this text" },
];
