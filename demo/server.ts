// The demo's own Countersign: the real server in-process on a free port, embedded database in a fresh
// temporary folder, and a copy of the reference resources whose endpoints point at the local tools.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type App, createApp } from "../bot/app.ts";
import { loadConfig } from "../bot/config.ts";
import { createKey } from "../gateway/keys.ts";

const REFERENCE = path.resolve(import.meta.dirname, "../resources/reference.yaml");
export const REFERENCE_REFUNDS_URL = "https://billing.example.com/refunds";
const REFERENCE_TRIAGE_URL = "http://127.0.0.1:8089/triage";

export interface DemoServer {
  app: App;
  url: string;
  dataDir: string;
  resourcesDir: string;
  key(kind: "agent" | "operator", subject: string): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startDemoServer(toolsUrl: string, say: (line: string) => void): Promise<DemoServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "countersign-demo-"));
  const resourcesDir = path.join(dataDir, "resources");
  mkdirSync(resourcesDir);
  const yaml = readFileSync(REFERENCE, "utf8")
    .replace(REFERENCE_REFUNDS_URL, `${toolsUrl}/refunds`)
    .replace(REFERENCE_TRIAGE_URL, `${toolsUrl}/triage`);
  writeFileSync(path.join(resourcesDir, "reference.yaml"), yaml);

  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    COUNTERSIGN_DATA_DIR: dataDir,
    COUNTERSIGN_RESOURCES: resourcesDir,
    LOG_LEVEL: "warn",
  });
  const app = await createApp(config, { say });
  const url = await app.start();
  return {
    app,
    url,
    dataDir,
    resourcesDir,
    key: (kind, subject) => createKey(app.deps.database.db, { kind, subject }),
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
