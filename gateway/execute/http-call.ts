// One HTTP request to a REST tool. It tells "never left" (connection refused, unknown host) from
// "may have reached the tool" (a reset, a timeout after connecting): only the first is safe to repeat
// for a tool that is not idempotent.
import http from "node:http";
import https from "node:https";
import { urlToHttpOptions } from "node:url";
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
// A request to a tool that is not idempotent never rides a kept-alive socket: the tool may have dropped
// that socket while it sat idle, and a reset there cannot be told from one after the tool acted, so a
// call that never reached the tool would end `outcome_unknown`. On a new connection, "connected" means
// this request's own connection, and a refusal before it is a sure "not sent".
const freshConnections = {
  "http:": new http.Agent({ keepAlive: false, maxSockets: 256 }),
  "https:": new https.Agent({ keepAlive: false, maxSockets: 256 }),
};

export function sendToolRequest(
  endpoint: Endpoint,
  input: unknown,
  opts: { idempotencyKey?: string | undefined; freshConnection?: boolean } = {},
): Promise<Attempt> {
  return new Promise((resolve) => {
    const { target, method, hasBody, https: secure } = requestTarget(endpoint);
    let where = target;
    if (!hasBody) {
      // A fresh copy each call: the input's query parameters join the ones the Tool URL fixes.
      const url = new URL(endpoint.url);
      addQuery(url, input);
      where = urlToHttpOptions(url);
    }
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
    const lib = secure ? https : http;
    const pool = opts.freshConnection ? freshConnections : agents;
    const agent = secure ? pool["https:"] : pool["http:"];
    const req = lib.request(requestOptions(where, method, headers, agent), (res) => {
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

interface RequestTarget {
  /** The Tool URL as node:http's options; a GET tool's calls each add their query to a copy instead. */
  target: http.RequestOptions;
  method: string;
  hasBody: boolean;
  https: boolean;
}

// Worked out once per endpoint object (a resources reload makes new ones), not on every call.
const targets = new WeakMap<Endpoint, RequestTarget>();

function requestTarget(endpoint: Endpoint): RequestTarget {
  let found = targets.get(endpoint);
  if (!found) {
    const url = new URL(endpoint.url);
    const method = endpoint.method.toUpperCase();
    found = {
      target: urlToHttpOptions(url),
      method,
      hasBody: method !== "GET" && method !== "HEAD",
      https: url.protocol === "https:",
    };
    targets.set(endpoint, found);
  }
  return found;
}

/**
 * node:http's options for one request, written out field by field: urlToHttpOptions answers a
 * null-prototype object, and spreading one into a literal cost about 1.5 µs a call where this costs 0.05.
 */
function requestOptions(
  url: http.RequestOptions,
  method: string,
  headers: Record<string, string>,
  agent: http.Agent,
): http.RequestOptions {
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port,
    path: url.path,
    auth: url.auth,
    method,
    headers,
    agent,
  };
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
