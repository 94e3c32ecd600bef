// `countersign mcp stdio SERVER`: a desktop MCP client configured with a command talks JSON-RPC on this
// process's stdin and stdout; each message goes to COUNTERSIGN_URL/mcp/SERVER over Streamable HTTP with
// the agent key, and each message from there comes back. The official SDK's transports do the framing on
// both sides; this only carries messages across, sets the negotiated protocol version on the HTTP side,
// and turns a refusal into a JSON-RPC error for the request that caused it, so the desktop client shows
// why instead of waiting. When the server no longer knows the session (it restarted, or closed an idle
// one), the bridge opens a new one with the client's own initialize and carries on: a desktop client left
// open for days never notices. stdout carries nothing but protocol; explanations go to stderr.
import type { Readable, Writable } from "node:stream";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  isInitializeRequest,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
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
  /** The client's initialize, replayed to open a new session when the server forgot ours. */
  let initialize: JSONRPCRequest | undefined;
  /** Answers to replayed initializes, which the client never asked for and must not see. */
  const replays = new Map<RequestId, (message: JSONRPCMessage) => void>();
  let reopening: Promise<void> | undefined;

  const open = () => {
    const transport = new StreamableHTTPClientTransport(o.url, {
      requestInit: { headers: { authorization: `Bearer ${o.key}` } },
    });
    transport.onmessage = (message: JSONRPCMessage) => {
      const id = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
      const replayed = id !== undefined ? replays.get(id) : undefined;
      if (replayed) return replayed(message);
      // The HTTP transport must send the negotiated version on every later request.
      if (isJSONRPCResultResponse(message) && message.id === initialize?.id) negotiated(transport, message);
      void local.send(message);
    };
    transport.onerror = (err) => o.say(`countersign mcp: ${explain(err, o.url)}`);
    return transport;
  };
  let remote = open();

  /** A new session, opened with the client's initialize; every message after it goes there. */
  const reopen = () => {
    reopening ??= (async () => {
      o.say("countersign mcp: the server no longer knows this session; opening a new one");
      const old = remote;
      remote = open();
      void old.close().catch(() => {});
      const id = `countersign-reinitialize-${Date.now()}`;
      const answer = new Promise<JSONRPCMessage>((resolve) => replays.set(id, resolve));
      await remote.start();
      await remote.send({ ...initialize!, id });
      const answered = await answer;
      replays.delete(id);
      if (!isJSONRPCResultResponse(answered)) throw new Error("the server refused to open a new session");
      negotiated(remote, answered);
      await remote.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    })().finally(() => {
      reopening = undefined;
    });
    return reopening;
  };

  const forward = async (message: JSONRPCMessage) => {
    await reopening;
    try {
      await remote.send(message);
    } catch (err) {
      const forgotten = err instanceof StreamableHTTPError && err.code === 404;
      if (!forgotten || !initialize || (isJSONRPCRequest(message) && isInitializeRequest(message))) throw err;
      await reopen();
      await remote.send(message);
    }
  };

  local.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && isInitializeRequest(message)) initialize = message;
    forward(message).catch((err: unknown) => {
      const why = explain(err, o.url);
      o.say(`countersign mcp: ${why}`);
      if (isJSONRPCRequest(message)) {
        void local.send({ jsonrpc: "2.0", id: message.id, error: { code: -32603, message: why } });
      }
    });
  };

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

function negotiated(transport: StreamableHTTPClientTransport, answer: JSONRPCMessage): void {
  const version = (answer as { result?: { protocolVersion?: unknown } }).result?.protocolVersion;
  if (typeof version === "string") transport.setProtocolVersion(version);
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
    return `${url} answered ${status}: ${reason}`;
  }
  const e = err as { message?: string; cause?: { code?: string } };
  if (e.cause?.code === "ECONNREFUSED") {
    return `cannot reach the Countersign server at ${url.origin} (connection refused). Is it running? Set COUNTERSIGN_URL if it listens elsewhere.`;
  }
  return e.message ?? String(err);
}
