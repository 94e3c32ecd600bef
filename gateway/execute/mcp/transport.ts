// The client transport to one McpServer: a child process spoken to over stdio, or a Streamable HTTP URL.
// Values in `env` and `headers` may name Countersign's own environment variables as ${NAME}, so tokens
// stay out of the YAML; a stdio server otherwise gets only the SDK's minimal environment (PATH, HOME, …),
// never Countersign's secrets. A stdio server's stderr goes to the log, and its last lines are kept to
// explain why it stopped. HTTP requests that carry messages go without the shared abort signal
// (fetchWithoutSharedSignal).
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
      transport: new StreamableHTTPClientTransport(new URL(spec.url), {
        requestInit: { headers },
        fetch: fetchWithoutSharedSignal,
      }),
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

/**
 * fetch without the transport's shared abort signal on requests that carry messages. The SDK hands every
 * request the transport's one long-lived AbortSignal, and Node's fetch lets go of its listener on that
 * signal only when the request is garbage-collected: under load thousands pile up on the signal
 * Countersign shares across every agent's calls (a MaxListenersExceededWarning per request, and time spent
 * walking them). A POST ends with its answer (or its timeout, and the SDK rejects it when the transport
 * closes), so it goes without; only the server's own stream (GET), which lasts as long as the session,
 * keeps the signal, so closing the transport still ends it.
 */
export const fetchWithoutSharedSignal = (url: string | URL, init?: RequestInit): Promise<Response> => {
  if (!init?.signal || (init.method ?? "GET").toUpperCase() === "GET") return fetch(url, init);
  const { signal: _shared, ...rest } = init;
  return fetch(url, rest);
};
