// Stand-ins for the systems the reference tools call: a billing service that issues refunds and a ticket
// system that triages. Local, so the demo's refund really runs once approved, and counted, so it shows once.
import { createServer, type Server } from "node:http";

export interface LocalTools {
  url: string;
  refundsIssued: number;
  close(): Promise<void>;
}

const QUEUES = ["billing", "shipping", "account", "billing", "technical"];

export async function startLocalTools(): Promise<LocalTools> {
  const tools: LocalTools = { url: "", refundsIssued: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const body = raw ? JSON.parse(raw) : {};
      res.setHeader("content-type", "application/json");
      if (req.url === "/refunds") {
        tools.refundsIssued++;
        res.statusCode = 201;
        res.end(
          JSON.stringify({
            refundId: `R-${1000 + tools.refundsIssued}`,
            status: "issued",
            ticket: body.ticket,
            amount: body.amount,
          }),
        );
        return;
      }
      const n = Number(String(body.ticket ?? "").replace(/\D/g, "")) || 0;
      res.end(
        JSON.stringify({
          ticket: body.ticket,
          queue: QUEUES[n % QUEUES.length],
          priority: n % 3 === 0 ? "high" : "normal",
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  tools.url = `http://127.0.0.1:${port}`;
  tools.close = () => new Promise((resolve) => server.close(() => resolve()));
  return tools;
}
