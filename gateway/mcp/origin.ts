// DNS rebinding protection for /mcp (the MCP transport spec: servers MUST validate Origin). A page on
// another site that resolves its name to this machine gets its requests here with its own Host and
// Origin. Agents' MCP clients send no Origin; a browser always does, so an Origin is accepted only from
// Countersign's own public URL or a loopback address. A server listening on loopback also refuses a Host
// that names neither, since nothing legitimate reaches it by another name.
import type { FastifyRequest } from "fastify";
import { CodedError } from "../../handlers/errors.ts";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export interface OriginRules {
  /** COUNTERSIGN_PUBLIC_URL: where people and agents reach this server. */
  publicUrl: string;
  /** The address the server listens on (HOST). */
  listenHost: string;
}

export function originCheck(rules: OriginRules): (request: FastifyRequest) => void {
  const publicHost = new URL(rules.publicUrl).hostname;
  const publicOrigin = new URL(rules.publicUrl).origin;
  const onLoopback = LOOPBACK.has(rules.listenHost);
  return (request) => {
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== publicOrigin && !LOOPBACK.has(hostnameOf(origin))) {
      throw new CodedError(
        "forbidden",
        `Origin ${origin} may not call the MCP endpoint (DNS rebinding protection): only ${publicOrigin} and loopback pages may`,
      );
    }
    const host = request.headers.host ?? "";
    if (
      onLoopback &&
      !LOOPBACK.has(hostnameOf(`http://${host}`)) &&
      hostnameOf(`http://${host}`) !== publicHost
    ) {
      throw new CodedError(
        "forbidden",
        `Host ${host} is not this server's name (DNS rebinding protection): it listens on ${rules.listenHost}`,
      );
    }
  };
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}
