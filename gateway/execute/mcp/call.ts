// One tools/call to an McpServer, and what its answer means for the call. It tells "never sent" (the
// server is down, the session was unknown to it) from "may have reached the tool" (the connection broke
// mid-call, no answer in time): only the first is safe to repeat for a tool that is not idempotent.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { mayHoldUnstorable, storableCopy } from "../../../handlers/storable-json.ts";
import type { McpToolBinding } from "../../../model/resources.ts";
import { judgeAttempt, type Verdict } from "../outcome.ts";
import type { Upstream } from "./upstream.ts";

export type McpAttempt =
  /** A tool result, passed on exactly as the server sent it (isError included). */
  | { kind: "answered"; result: Record<string, unknown> }
  /** The server answered the request with a JSON-RPC error: it refused it, so nothing ran. */
  | { kind: "refused"; code: number; message: string; data?: unknown }
  | { kind: "not_sent"; error: string; sessionLost?: boolean }
  | { kind: "interrupted"; error: string; timedOut: boolean };

/** Any result object, its keys untouched and in the server's order (no re-shaping by a schema). */
export const RawResult = z.looseObject({});

/** Meta key carrying the call id to the server, so a server that keeps ids can spot a repeat. */
export const CALL_ID_META = "countersign/callId";

export async function callUpstreamTool(
  upstream: Upstream,
  binding: McpToolBinding,
  input: unknown,
  callId: string,
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void,
): Promise<McpAttempt> {
  const request = {
    method: "tools/call",
    params: {
      name: binding.tool,
      arguments: (input ?? {}) as Record<string, unknown>,
      _meta: { [CALL_ID_META]: callId },
    },
  };
  const options = { timeout: binding.timeoutMs, ...(onProgress && { onprogress: onProgress }) };
  // A server that forgot the session took nothing: the call goes again, once, on a new session.
  for (let attempt = 1; ; attempt++) {
    let client: Client;
    try {
      client = await upstream.connected();
    } catch (err) {
      return { kind: "not_sent", error: (err as Error).message };
    }
    try {
      const result = await client.request(request, RawResult, options);
      // PostgreSQL cannot store U+0000 or a lone surrogate: the rare answer holding one is kept with each
      // replaced (as REST's).
      const clean = mayHoldUnstorable(JSON.stringify(result))
        ? (storableCopy(result) as typeof result)
        : result;
      return { kind: "answered", result: clean };
    } catch (err) {
      const failed = failure(upstream, client, err, binding.timeoutMs);
      if (!(failed.kind === "not_sent" && failed.sessionLost && attempt === 1)) return failed;
    }
  }
}

export function failure(upstream: Upstream, client: Client, err: unknown, timeoutMs: number): McpAttempt {
  const name = upstream.resource.name;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) {
      return {
        kind: "interrupted",
        error: `MCP server ${name} gave no answer within ${timeoutMs} ms`,
        timedOut: true,
      };
    }
    if (err.code === ErrorCode.ConnectionClosed) {
      return {
        kind: "interrupted",
        error: `the connection to MCP server ${name} closed mid-call`,
        timedOut: false,
      };
    }
    return { kind: "refused", code: err.code, message: serverMessage(err), data: err.data };
  }
  if (err instanceof StreamableHTTPError) {
    if (sessionLost(err)) {
      upstream.lost(client, `MCP server ${name} no longer knows the session`);
      return {
        kind: "not_sent",
        error: `MCP server ${name} no longer knew the session; reconnecting`,
        sessionLost: true,
      };
    }
    if (err.code !== undefined && err.code < 500) {
      return { kind: "not_sent", error: `MCP server ${name} refused the request: ${err.message}` };
    }
    return { kind: "interrupted", error: `MCP server ${name}: ${err.message}`, timedOut: false };
  }
  const e = err as { message?: string; cause?: { code?: string } };
  if (e.message === "Not connected" || NEVER_CONNECTED.has(e.cause?.code ?? "")) {
    if (e.message !== "Not connected") upstream.lost(client, `${e.cause?.code}`);
    return { kind: "not_sent", error: `MCP server ${name} is not reachable (${e.cause?.code ?? e.message})` };
  }
  return { kind: "interrupted", error: `MCP server ${name}: ${e.message ?? String(err)}`, timedOut: false };
}

/** The server's own words: the SDK's McpError puts "MCP error CODE: " before what came on the wire. */
export function serverMessage(err: McpError): string {
  return err.message.replace(/^MCP error -?\d+: /, "");
}

/**
 * A JSON-RPC error to pass on exactly as the server sent it. The SDK answers a thrown error with its
 * code, message and data; an McpError would put another "MCP error CODE: " before the message.
 */
export class PassedOnError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "PassedOnError";
  }
}

/**
 * The server forgot the session (it restarted): the request was not taken. The specification says 404;
 * some servers (server-everything among them) answer 400 naming the session.
 */
export function sessionLost(err: unknown): boolean {
  return (
    err instanceof StreamableHTTPError &&
    (err.code === 404 || (err.code === 400 && /session/i.test(err.message)))
  );
}

const NEVER_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

export function judgeMcpAttempt(attempt: McpAttempt, idempotent: boolean): Verdict {
  switch (attempt.kind) {
    case "answered": {
      const failed = attempt.result.isError === true;
      return {
        outcome: {
          status: failed ? "failed" : "succeeded",
          result: attempt.result,
          error: failed ? `the tool answered with an error: ${firstText(attempt.result)}` : null,
          reason: failed ? "tool_error" : null,
        },
        retry: false,
      };
    }
    case "refused":
      return {
        outcome: {
          status: "failed",
          result: { error: { code: attempt.code, message: attempt.message, data: attempt.data ?? null } },
          error: `the MCP server refused the call: ${attempt.message}`,
          reason: "tool_error",
        },
        retry: false,
      };
    default:
      return judgeAttempt(attempt, idempotent);
  }
}

function firstText(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? result.content : [];
  const text = content.find((c) => c?.type === "text" && typeof c.text === "string")?.text as
    | string
    | undefined;
  return text ? text.slice(0, 300) : "(no text)";
}
