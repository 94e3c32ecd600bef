// The words of `approvals …` (Slack's `/approvals`, Teams' `approvals` message): tokenised with quotes
// (straight or the curly ones chat clients type), then matched to one command. Anything else is a usage
// error naming the problem. No platform is known here. What `approvals help` says of each command is
// beside this, in usage.ts.
import type { DecisionValue } from "../../sdk/types.ts";

export type Command =
  | { kind: "ls"; agent?: string; tool?: string }
  | { kind: "describe"; id: string }
  | { kind: "decide"; id: string; decision: DecisionValue; rationale: string }
  | { kind: "history" }
  | { kind: "override"; id: string; decision: DecisionValue; grantBy: string; reason: string | undefined }
  | { kind: "help" }
  | { kind: "usage"; error: string };

const QUOTES: Record<string, string> = { '"': '"', "'": "'", "“": "”", "‘": "’", "„": "“" };

/** Splits on whitespace, keeping quoted runs (quotes removed) together; an unclosed quote runs to the end. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let closing: string | undefined;
  for (const ch of text) {
    if (closing !== undefined) {
      if (ch === closing || (closing === "”" && ch === '"')) closing = undefined;
      else current += ch;
    } else if (QUOTES[ch] !== undefined) {
      closing = QUOTES[ch];
      inToken = true;
    } else if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

function decisionOf(word: string | undefined): DecisionValue | undefined {
  return word === "approve" || word === "reject" ? word : undefined;
}

/** Reads `--name value` and `--name=value` flags from `args`; the rest come back as positionals. */
function readFlags(
  args: string[],
  allowed: string[],
): { flags: Map<string, string>; rest: string[] } | string {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--")) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!allowed.includes(name)) return `unknown option --${name}`;
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--")))
      return `--${name} needs a value`;
    flags.set(name, value);
  }
  return { flags, rest };
}

export function parseCommand(text: string): Command {
  const [word = "ls", ...args] = tokenize(text.trim());
  switch (word.toLowerCase()) {
    case "ls":
    case "list": {
      const read = readFlags(args, ["agent", "tool"]);
      if (typeof read === "string") return { kind: "usage", error: read };
      if (read.rest.length > 0) return { kind: "usage", error: `ls takes no argument "${read.rest[0]}"` };
      const agent = read.flags.get("agent");
      const tool = read.flags.get("tool");
      return { kind: "ls", ...(agent ? { agent } : {}), ...(tool ? { tool } : {}) };
    }
    case "describe":
      if (args.length !== 1) return { kind: "usage", error: "describe needs one approval id" };
      return { kind: "describe", id: args[0]! };
    case "decide": {
      const [id, verdict, ...why] = args;
      const decision = decisionOf(verdict);
      if (!id || !decision)
        return { kind: "usage", error: "decide needs an approval id and approve or reject" };
      return { kind: "decide", id, decision, rationale: why.join(" ") };
    }
    case "history":
      if (args.length > 0) return { kind: "usage", error: "history takes no argument" };
      return { kind: "history" };
    case "override": {
      const read = readFlags(args, ["grant-by", "reason"]);
      if (typeof read === "string") return { kind: "usage", error: read };
      const [id, verdict, extra] = read.rest;
      const decision = decisionOf(verdict);
      if (!id || !decision)
        return { kind: "usage", error: "override needs an approval id and approve or reject" };
      if (extra !== undefined) return { kind: "usage", error: `unexpected "${extra}": quote the reason` };
      const grantBy = read.flags.get("grant-by");
      if (!grantBy) return { kind: "usage", error: "override needs --grant-by ROLE" };
      return { kind: "override", id, decision, grantBy, reason: read.flags.get("reason") };
    }
    case "help":
      return { kind: "help" };
    default:
      return { kind: "usage", error: `unknown command "${word}"` };
  }
}
