// A tool that drops a kept-alive connection (its idle timeout racing our next request) must not turn a
// non-idempotent call that never reached it into `outcome_unknown`: such calls each get a connection
// of their own, so a reset can only mean the tool had this very request.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendToolRequest } from "../../gateway/execute/http-call.ts";

describe("tool connections", () => {
  let server: http.Server;
  let url: string;
  let connections = 0;
  let acted = 0;

  beforeAll(async () => {
    // Serves one request per connection; a second request on the same connection is reset unread,
    // as when the tool's idle timeout closes a socket just as the next request is written to it.
    server = http.createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: boolean };
      if (socket.served) {
        socket.destroy();
        return;
      }
      socket.served = true;
      acted += 1;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true }));
    });
    server.on("connection", () => (connections += 1));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/refund`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const endpoint = () => ({ url, method: "POST", timeoutMs: 2000, headers: {} }) as never;

  it("gives each non-idempotent request its own connection: every one reaches the tool", async () => {
    const [connectionsBefore, actedBefore] = [connections, acted];
    for (let i = 0; i < 5; i++) {
      const sent = await sendToolRequest(endpoint(), { amount: i }, { freshConnection: true });
      expect(sent).toMatchObject({ kind: "answered", status: 200 });
    }
    expect(acted - actedBefore).toBe(5);
    expect(connections - connectionsBefore).toBe(5);
  });

  it("reuses connections for idempotent requests, where a reset is safe to repeat", async () => {
    const first = await sendToolRequest(endpoint(), {}, { idempotencyKey: "k-1" });
    expect(first.kind).toBe("answered");
    // The same kept-alive socket carries the next request, which this tool resets unread: the
    // attempt says the tool may have acted, and an idempotent call's executor sends it again.
    const second = await sendToolRequest(endpoint(), {}, { idempotencyKey: "k-2" });
    expect(second.kind).toBe("interrupted");
  });
});
