/**
 * The local tool: answers every POST with a small JSON body, as fast as node:http can, on a worker
 * thread of its own so that the load generator's event loop never delays its answers.
 */
import { Worker } from "node:worker_threads";

const TOOL_SOURCE = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"queue":"billing","priority":"p2"}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});`;

export async function startTool(): Promise<{ url: string; close: () => Promise<void> }> {
  const worker = new Worker(TOOL_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      const exited = new Promise<void>((r) => worker.once("exit", () => r()));
      worker.postMessage("close");
      return exited;
    },
  };
}
