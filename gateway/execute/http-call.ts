// One HTTP request to a REST tool. It tells "never left" (connection refused, unknown host) from
// "may have reached the tool" (a reset, a timeout after connecting): only the first is safe to repeat
// for a tool that is not idempotent.
import http from "node:http";
import https from "node:https";
import {
  MAX_JSON_DEPTH,
  mayHoldUnstorable,
  nestingExceeds,
  storableCopy,
  tooDeepToParse,
} from "../../handlers/storable-json.ts";
import { displayUrl } from "../../model/display-url.ts";
import type { ToolResource } from "../../model/resources.ts";

export type Endpoint = NonNullable<ToolResource["endpoint"]>;

export type Attempt =
  | { kind: "answered"; status: number; body: unknown }
  /** The request never reached the tool. */
  | { kind: "not_sent"; error: string }
  /** The connection was up, so the tool may have acted. */
  | { kind: "interrupted"; error: string; timedOut: boolean };

// Keep-alive: the allowed-call hot path would otherwise pay a TCP handshake per call.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export function sendToolRequest(
  endpoint: Endpoint,
  input: unknown,
  opts: { idempotencyKey?: string | undefined } = {},
): Promise<Attempt> {
  return new Promise((resolve) => {
    const url = new URL(endpoint.url);
    const method = endpoint.method.toUpperCase();
    const hasBody = method !== "GET" && method !== "HEAD";
    if (!hasBody) addQuery(url, input);
    const payload = hasBody ? Buffer.from(JSON.stringify(input ?? {})) : undefined;
    const headers: Record<string, string> = { accept: "application/json, text/plain;q=0.9, */*;q=0.5" };
    Object.assign(headers, endpoint.headers);
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    if (opts.idempotencyKey) headers["idempotency-key"] = opts.idempotencyKey;

    let connected = false;
    let settled = false;
    const finish = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    const lib = url.protocol === "https:" ? https : http;
    const agent = url.protocol === "https:" ? agents["https:"] : agents["http:"];
    const req = lib.request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        finish({
          kind: "answered",
          status: res.statusCode ?? 0,
          body: parseBody(Buffer.concat(chunks), res.headers["content-type"]),
        }),
      );
      res.on("close", () =>
        finish({ kind: "interrupted", error: "the tool closed the connection mid-answer", timedOut: false }),
      );
    });
    req.on("socket", (socket) => {
      // A kept-alive socket is connected already; a new one once it connects.
      if (!socket.connecting) connected = true;
      else socket.once("connect", () => (connected = true));
    });
    req.on("error", (err) => {
      const error = `${endpoint.method} ${displayUrl(endpoint.url)}: ${err.message}`;
      finish(connected ? { kind: "interrupted", error, timedOut: false } : { kind: "not_sent", error });
    });
    const timer = setTimeout(() => {
      finish(
        connected
          ? { kind: "interrupted", error: `no answer within ${endpoint.timeoutMs} ms`, timedOut: true }
          : { kind: "not_sent", error: `could not connect within ${endpoint.timeoutMs} ms` },
      );
      req.destroy();
    }, endpoint.timeoutMs);
    req.end(payload);
  });
}

/**
 * GET tools get the input as query parameters: strings as they are, anything else as JSON. A parameter the
 * Tool URL fixes (`?tenant=acme`) is the operator's and is never replaced; calls naming one are refused
 * before they get here (handlers/tool-input.ts), this keeps it so on every other path.
 */
function addQuery(url: URL, input: unknown) {
  if (typeof input !== "object" || input === null) return;
  const fixed = new Set(url.searchParams.keys());
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || fixed.has(key)) continue;
    url.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
  }
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const text = raw.toString("utf8");
  if (text === "") return null;
  // The rare answer that may hold a NUL or a lone surrogate (raw, or as a JSON escape) is given back with
  // each replaced by U+FFFD, as it will be stored; any other is kept as it is.
  const clean = mayHoldUnstorable(text) ? storableCopy : (v: unknown) => v;
  if (contentType?.includes("json")) {
    // Nested past MAX_JSON_DEPTH it is kept as its text: neither jsonb nor a reply could hold it parsed.
    if (nestingExceeds(text, MAX_JSON_DEPTH)) return tooDeepToParse(text);
    try {
      return clean(JSON.parse(text));
    } catch {}
  }
  return clean(text);
}
