// Starts `countersign serve` as its own process for one part, with an agent key and an approver key.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { type ServerProcess, startServerProcess } from "../../test/helpers/server-process.ts";
import type { Backend } from "./backends.ts";
import { send } from "./client.ts";

const ADMIN_KEY = `bench-admin-key-${randomBytes(8).toString("hex")}`;
const CPU_PROF = process.env.BENCH_CPU_PROF;

export interface Keys {
  agent: string;
  ana: string;
}

/**
 * Node 20 refuses --cpu-prof in NODE_OPTIONS, so the server is handed this module instead: it starts the
 * V8 profiler through the inspector and writes the profile as the process exits (SIGTERM stops it cleanly).
 */
function cpuProfileHook(dir: string): string {
  const source = `
import { Session } from "node:inspector";
import { mkdirSync, writeFileSync } from "node:fs";
const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.start");
process.on("exit", () => {
  session.post("Profiler.stop", (err, res) => {
    if (err) return;
    mkdirSync(${JSON.stringify(dir)}, { recursive: true });
    writeFileSync(${JSON.stringify(dir)} + "/server-" + process.pid + ".cpuprofile", JSON.stringify(res.profile));
  });
});`;
  return `data:text/javascript,${encodeURIComponent(source)}`;
}

export async function withServer<T>(
  backend: Backend,
  resources: string,
  dir: string,
  fn: (s: ServerProcess, keys: Keys) => Promise<T>,
): Promise<T> {
  const server = await startServerProcess(
    {
      ...backend.env,
      COUNTERSIGN_DATA_DIR: path.join(dir, backend.name),
      COUNTERSIGN_RESOURCES: resources,
      COUNTERSIGN_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: "error",
      // Parts (b) and (c) create hundreds and thousands of approvals as one agent within a minute.
      COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE: "1000000",
      ...(CPU_PROF && { NODE_OPTIONS: `--import=${cpuProfileHook(path.resolve(CPU_PROF))}` }),
    },
    120_000,
  );
  try {
    const agentKey = (await send(`${server.url}/v1/keys`, "POST", ADMIN_KEY, { agent: "support-bot" })).body
      .key;
    const ana = (await send(`${server.url}/v1/keys`, "POST", ADMIN_KEY, { operator: "ana@example.com" })).body
      .key;
    return await fn(server, { agent: agentKey, ana });
  } finally {
    await server.stop();
  }
}
