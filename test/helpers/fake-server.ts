// What the local fakes of the chat platforms (fake-slack.ts, fake-bot-connector.ts) share: a JSON HTTP
// server on a free local port, and waiting, without polling, until enough of the calls they record match.
import type { EventEmitter } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeReply {
  status: number;
  /** Sent as JSON; undefined sends an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** Serves `handle` on 127.0.0.1 at a free port; `raw` is the whole request body as text. */
export async function serveJson(
  handle: (req: IncomingMessage, raw: string) => Promise<FakeReply> | FakeReply,
): Promise<FakeServer> {
  const server = createServer((req, res) => {
    void readBody(req)
      .then((raw) => handle(req, raw))
      .then(({ status, body, headers }) => {
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
        res.end(body === undefined ? "" : JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Resolves with `found()` once it holds `count` items, looking again at each "call" `events` emits;
 * rejects after `timeoutMs` with `shortfall(how many were found)`.
 */
export function waitForCalls<T>(
  events: EventEmitter,
  found: () => T[],
  count: number,
  timeoutMs: number,
  shortfall: (have: number) => string,
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const check = () => {
      const have = found();
      if (have.length < count) return false;
      events.off("call", check);
      clearTimeout(timer);
      resolve(have);
      return true;
    };
    const timer = setTimeout(() => {
      events.off("call", check);
      reject(new Error(shortfall(found().length)));
    }, timeoutMs);
    if (!check()) events.on("call", check);
  });
}
