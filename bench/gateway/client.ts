// The load generator's HTTP client: one keep-alive pool for every call the benchmark makes.
import http from "node:http";
import type { ServerProcess } from "../../test/helpers/server-process.ts";

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read by the benchmark
  body: any;
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export function send(url: string, method: string, key: string | undefined, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(key && { authorization: `Bearer ${key}` }),
          ...(payload && {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Creates approvals through the API, `concurrency` at a time. */
export async function createApprovals(server: ServerProcess, key: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < n) {
        const i = next++;
        const res = await send(`${server.url}/v1/approvals`, "POST", key, { action: `deploy.bench-${i}` });
        if (res.status !== 201) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
        ids.push(res.body.id);
      }
    }),
  );
  return ids;
}
