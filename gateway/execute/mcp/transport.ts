// The client transport to one McpServer: a child process spoken to over stdio, or a Streamable HTTP URL.
// Values in `env` and `headers` may name Countersign's own environment variables as ${NAME}, so tokens
// stay out of the YAML; a stdio server otherwise gets only the SDK's minimal environment (PATH, HOME, …),
// never Countersign's secrets. A stdio server's stderr goes to the log, and its last lines are kept to
// explain why it stopped.
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { Logger } from "pino";
import type { McpServerResource } from "../../../model/resources.ts";

const KEPT_LINES = 5;

export function openTransport(
  resource: McpServerResource,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): { transport: Transport; lastWords: () => string } {
  const spec = resource.transport;
  if (spec.type === "http") {
    const headers = expandAll(spec.headers, env, "spec.transport.headers");
    return {
      transport: new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers } }),
      lastWords: () => "",
    };
  }
  const transport = new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env: expandAll(spec.env, env, "spec.transport.env"),
    ...(spec.cwd !== undefined && { cwd: spec.cwd }),
    stderr: "pipe",
  });
  const lines: string[] = [];
  let partial = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const complete = text.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      if (!line.trim()) continue;
      logger.debug({ mcpServer: resource.name, stderr: line }, "MCP server stderr");
      lines.push(line.trim());
      if (lines.length > KEPT_LINES) lines.shift();
    }
  });
  return { transport, lastWords: () => [...lines, partial.trim()].filter(Boolean).join(" | ").slice(-500) };
}

/** Replaces ${NAME} with the environment's value; a name that is not set is an error naming it. */
function expandAll(values: Record<string, string>, env: NodeJS.ProcessEnv, where: string) {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
        const found = env[name];
        if (found === undefined) throw new Error(`${where}.${key} refers to \${${name}}, which is not set`);
        return found;
      }),
    ]),
  );
}
