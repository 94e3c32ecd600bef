// The bare proxy: the least any gateway must do for a call — check a bearer key, read the JSON body,
// forward the input to the tool with the gateway's own HTTP client (gateway/execute/http-call.ts), answer
// with the tool's output. No database, no policy, no record. Run as its own process, as the gateway is:
// node --import tsx bench/gateway/bare-proxy-server.ts TOOL_URL KEY (prints the port it listens on).
import http from "node:http";
import { sendToolRequest } from "../../gateway/execute/http-call.ts";

const [toolUrl, key] = process.argv.slice(2);
const endpoint = { url: `${toolUrl}/triage`, method: "POST", headers: {}, timeoutMs: 30_000 };
const expected = `Bearer ${key}`;

const server = http.createServer((req, res) => {
  const answer = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
  if (req.headers.authorization !== expected) {
    req.resume();
    return answer(401, { error: { code: "unauthorized" } });
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    const { input } = JSON.parse(Buffer.concat(chunks).toString());
    const attempt = await sendToolRequest(endpoint, input);
    if (attempt.kind !== "answered") return answer(502, { error: attempt.error });
    answer(200, { status: "succeeded", output: attempt.body });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log((server.address() as { port: number }).port);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
