// The McpServer spec (CONTRACT.md section 8): how to reach the server (a command spoken to over stdio, or
// a Streamable HTTP URL), and per tool what wins over the server's own annotations.
import { z } from "zod";
import { expecting } from "./fields.ts";
import { sideEffects, timeoutMs } from "./tool.ts";

/** Names appear in /mcp/NAME and before the dot of every tool (SERVER.TOOL), so they hold no dot. */
export const mcpServerName = z
  .string({ error: expecting("expected a name") })
  .regex(/^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/, {
    error:
      "expected a name of letters, digits, '_' or '-' (no '.': its tools are named SERVER.TOOL), starting and ending with a letter or digit",
  });

const stringMap = (what: string) =>
  z.record(z.string(), z.string({ error: expecting(`expected a string ${what}`) }));

const stdio = z.strictObject({
  type: z.literal("stdio"),
  command: z.string({ error: expecting("expected a command") }).min(1, { error: "expected a command" }),
  args: z.array(z.string({ error: expecting("expected a string argument") })).default([]),
  env: stringMap("value").default({}),
  cwd: z
    .string({ error: expecting("expected a folder") })
    .min(1, { error: "expected a folder" })
    .optional(),
});

const http = z.strictObject({
  type: z.literal("http"),
  url: z.url({ protocol: /^https?$/, error: expecting("expected an http(s) URL") }),
  headers: stringMap("header value").default({}),
});

const transport = z.discriminatedUnion("type", [stdio, http], {
  error: expecting("expected { type: stdio, command, args? } or { type: http, url, headers? }"),
});

const toolOverride = z.strictObject({
  sideEffects: sideEffects.optional(),
  timeoutMs: timeoutMs.optional(),
});

// Tool names as MCP allows them (1–128 characters, no spaces); the override of a tool the server does not
// have is reported when the server is reached, since only then are its tools known.
const toolName = z
  .string()
  .regex(/^[^\s]{1,128}$/, { error: "expected a tool name as the server lists it (no spaces)" });

export const mcpServerSpec = z.strictObject({
  transport,
  tools: z.record(toolName, toolOverride).default({}),
  timeoutMs: timeoutMs.default(60_000),
  connectTimeoutMs: timeoutMs.default(10_000),
});
