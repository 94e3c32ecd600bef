// The SDK's long-poll rounds are spread: each asks the server to hold it 22.5–27.5 s, so agents that began
// waiting together do not all end a round and ask again at the same instant. Checked on the requests the
// SDK really sends, to a local HTTP server standing in for the API.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roundSeconds } from "../../sdk/client.ts";
import { Countersign } from "../../sdk/index.ts";

describe("SDK long-poll rounds", () => {
  const waits: number[] = [];
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      waits.push(Number(new URL(req.url!, "http://x").searchParams.get("wait")));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "appr_1", status: "approved" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("draws each round from 22.5–27.5 s, to a tenth of a second", () => {
    expect(roundSeconds(0)).toBe(22.5);
    expect(roundSeconds(0.5)).toBe(25);
    expect(roundSeconds(0.999_999)).toBe(27.5);
  });

  it("asks the server for spread rounds", async () => {
    const client = new Countersign({ baseUrl: url, apiKey: "k" });
    await Promise.all(Array.from({ length: 200 }, () => client.waitForApproval("appr_1")));
    expect(waits).toHaveLength(200);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(22.5);
      expect(w).toBeLessThanOrEqual(27.5);
    }
    // 51 possible lengths; 200 draws from a uniform spread land on far more than a handful.
    expect(new Set(waits).size).toBeGreaterThan(25);
  });
});
