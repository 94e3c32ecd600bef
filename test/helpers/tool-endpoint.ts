// A local HTTP tool server for gateway tests: counts and records every request per path, answers with
// JSON (echoing the input by default), and can be told to fail or to hang (never answer).
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ToolRequest {
  method: string;
  path: string;
  /** The query string's parameters, as the tool would read them. */
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Behaviour {
  /** Never answer (the connection stays open until the server closes). */
  hang?: boolean;
  status?: number;
  /** The answer's JSON; default {ok: true, path, received: <input>}. */
  body?: unknown;
  /** The answer's text exactly as given (sent as JSON), for answers JSON.stringify would not write. */
  raw?: string;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
}

export interface ToolEndpoint {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: ToolRequest[];
  count(path: string): number;
  /** How `path` answers from now on. */
  behave(path: string, behaviour: Behaviour): void;
  /** Resolves with the next request to `path` (or the first one already received past `seen`). */
  waitForRequest(path: string, seen?: number): Promise<ToolRequest>;
  close(): Promise<void>;
}

export async function startToolEndpoint(port = 0): Promise<ToolEndpoint> {
  const requests: ToolRequest[] = [];
  const behaviours = new Map<string, Behaviour>();
  const waiters: { path: string; seen: number; resolve: (r: ToolRequest) => void }[] = [];
  const hanging = new Set<http.ServerResponse>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "/").split("?")[0]!;
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {}
      const query = new URL(req.url ?? "/", "http://tool.local").searchParams;
      const request = { method: req.method ?? "GET", path, query, headers: req.headers, body };
      requests.push(request);
      for (const w of waiters.filter((w) => w.path === path && countOf(path) > w.seen)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(request);
      }
      const behaviour = behaviours.get(path) ?? {};
      if (behaviour.hang) {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      const answer = () => {
        res.writeHead(behaviour.status ?? 200, { "content-type": "application/json" });
        res.end(behaviour.raw ?? JSON.stringify(behaviour.body ?? { ok: true, path, received: body }));
      };
      if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  });
  const countOf = (path: string) => requests.filter((r) => r.path === path).length;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    count: countOf,
    behave: (path, behaviour) => behaviours.set(path, behaviour),
    waitForRequest(path, seen = 0) {
      const already = requests.filter((r) => r.path === path)[seen];
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => waiters.push({ path, seen, resolve }));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
