// `countersign mcp stdio SERVER`: a desktop MCP client configured with a command talks JSON-RPC on this
// process's stdin and stdout; each message goes to COUNTERSIGN_URL/mcp/SERVER over Streamable HTTP with
// the agent key, and each message from there comes back. The official SDK's transports do the framing on
// both sides; this only carries messages across, sets the negotiated protocol version on the HTTP side,
// and turns a refusal into a JSON-RPC error for the request that caused it, so the desktop client shows
// why instead of waiting. stdout carries nothing but protocol; explanations go to stderr.
import type { Readable, Writable } from "node:stream";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  isInitializeRequest,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";

export interface BridgeOptions {
  url: URL;
  key: string;
  stdin: Readable;
  stdout: Writable;
  /** Explanations for people (stderr). */
  say: (line: string) => void;
}

/** Runs until the desktop client closes stdin. */
export async function bridge(o: BridgeOptions): Promise<void> {
  const local = new StdioServerTransport(o.stdin, o.stdout);
  const remote = new StreamableHTTPClientTransport(o.url, {
    requestInit: { headers: { authorization: `Bearer ${o.key}` } },
  });
  let initializeId: RequestId | undefined;

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && isInitializeRequest(message)) initializeId = message.id;
    remote.send(message).catch((err: unknown) => {
      const why = explain(err, o.url);
      o.say(`countersign mcp: ${why}`);
      if (isJSONRPCRequest(message)) {
        void local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32603, message: why } });
      }
    });
  };
  remote.onmessage = (message: JSONRPCMessage) => {
    // The HTTP transport must send the negotiated version on every later request.
    if (isJSONRPCResultResponse(message) && message.id === initializeId) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") remote.setProtocolVersion(version);
    }
    void local.send(message);
  };
  remote.onerror = (err) => o.say(`countersign mcp: ${explain(err, o.url)}`);

  await remote.start();
  const closed = new Promise<void>((resolve) => {
    local.onclose = resolve;
    o.stdin.once("end", resolve);
  });
  await local.start();
  await closed;
  // Ends the session on the server rather than leaving it to time out.
  await remote.terminateSession().catch(() => {});
  await remote.close();
}

function explain(err: unknown, url: URL): string {
  if (err instanceof StreamableHTTPError) {
    const body = /\{.*\}$/s.exec(err.message)?.[0];
    let reason = err.message;
    try {
      const parsed = JSON.parse(body ?? "");
      reason = parsed.error?.message ?? reason;
    } catch {}
    const status = err.code ?? "?";
    if (status === 401)
      return `${url} refused the key (401): ${reason}. Set COUNTERSIGN_KEY to an agent key.`;
    if (status === 403) return `${url} refused the key (403): ${reason}`;
    if (status === 404) return `${url} answered 404: ${reason}`;
    return `${url} answered ${status}: ${reason}`;
  }
  const e = err as { message?: string; cause?: { code?: string } };
  if (e.cause?.code === "ECONNREFUSED") {
    return `cannot reach the Countersign server at ${url.origin} (connection refused). Is it running? Set COUNTERSIGN_URL if it listens elsewhere.`;
  }
  return e.message ?? String(err);
}
