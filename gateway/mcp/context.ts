// What the MCP handlers of one agent session are given.
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Who is calling, through which server, and how a request's wait may end early. */
export interface Caller {
  agent: string;
  server: string;
  /** Aborts when the HTTP request carrying this JSON-RPC request is closed by the client. */
  hangUp(requestId: string | number): AbortSignal | undefined;
  /** Closes the response stream of a request nobody waits for any more (cancelled: no answer follows). */
  release(requestId: string | number): void;
}
