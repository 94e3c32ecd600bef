// The benchmark's upstream MCP server: Streamable HTTP (JSON responses), one session per client, one
// read-only tool `lookup` that answers at once. It runs on a worker thread of its own, so neither the
// load generator's event loop nor the gateway's delays its answers.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { parentPort } from "node:worker_threads";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const TOOLS = [
  {
    name: "lookup",
    description: "Look a ticket up.",
    inputSchema: { type: "object", properties: { ticket: { type: "string" } }, required: ["ticket"] },
    annotations: { readOnlyHint: true },
  },
];

function session() {
  const server = new Server({ name: "bench-upstream", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: TOOLS }));
  server.setRequestHandler(CallToolRequestSchema, (request) => ({
    content: [
      { type: "text", text: `ticket ${request.params.arguments?.ticket}: queue billing, priority p2` },
    ],
  }));
  return server;
}

const transports = new Map();
const httpServer = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
  const id = req.headers["mcp-session-id"];
  let transport = typeof id === "string" ? transports.get(id) : undefined;
  if (!transport) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      enableJsonResponse: true,
      onsessioninitialized: (sid) => transports.set(sid, transport),
    });
    await session().connect(transport);
  }
  await transport.handleRequest(req, res, body);
});
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(0, "127.0.0.1", () => parentPort.postMessage(httpServer.address().port));
parentPort.on("message", () => {
  httpServer.closeAllConnections();
  httpServer.close(() => process.exit(0));
});
