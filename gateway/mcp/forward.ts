// Requests passed to the upstream server as they came (resources, prompts, completions, subscriptions),
// its answer or JSON-RPC error passed back as it was. The agent's progressToken stays here: the upstream
// would report progress to Countersign's own client, which has no one to hand it to.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ErrorCode, McpError, type Request, type Result } from "@modelcontextprotocol/sdk/types.js";
import { PassedOnError, RawResult, serverMessage, sessionLost } from "../execute/mcp/call.ts";
import { type Upstream, UpstreamUnavailable } from "../execute/mcp/upstream.ts";
import type { Extra } from "./context.ts";

export function forward(upstream: Upstream) {
  return async (request: Request, extra: Extra): Promise<Result> => {
    let params = request.params;
    if (params?._meta?.progressToken !== undefined) {
      const { progressToken: _agents, ...meta } = params._meta;
      params = { ...params, _meta: meta };
    }
    return send(upstream, { method: request.method, ...(params && { params }) }, extra.signal);
  };
}

/**
 * One request to the upstream, its failures turned into JSON-RPC errors the agent can read. A server that
 * forgot the session took nothing: the request goes again, once, on a new session.
 */
export async function send(upstream: Upstream, request: Request, signal?: AbortSignal): Promise<Result> {
  for (let attempt = 1; ; attempt++) {
    const client = await connectedClient(upstream);
    try {
      return await client.request(request, RawResult, { signal, timeout: upstream.resource.timeoutMs });
    } catch (err) {
      if (sessionLost(err) && attempt === 1) {
        upstream.lost(client, `MCP server ${upstream.resource.name} no longer knows the session`);
        continue;
      }
      if (err instanceof McpError) throw new PassedOnError(err.code, serverMessage(err), err.data);
      const why = (err as Error).message;
      throw new McpError(ErrorCode.InternalError, `MCP server ${upstream.resource.name}: ${why}`);
    }
  }
}

export async function connectedClient(upstream: Upstream): Promise<Client> {
  try {
    return await upstream.connected();
  } catch (err) {
    if (err instanceof UpstreamUnavailable) throw new McpError(ErrorCode.InternalError, err.message);
    throw err;
  }
}
