// The running process: configuration, start, and a clean stop on SIGINT/SIGTERM. Start-up fails fast and
// whole: bad configuration or resources, a port in use, a data folder another server holds, each stop it
// with one message that names the problem and exit code 1, with nothing left running.
import path from "node:path";
import { DataFolderInUseError, lockDataFolder } from "../db/data-folder-lock.ts";
import { ADMIN_KEY_FILE } from "./admin-key.ts";
import type { App } from "./app.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { HttpListener, ListenError } from "./listener.ts";

export async function serve(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): Promise<void> {
  const say = (line: string) => console.log(line);
  let app: App;
  try {
    const config = loadConfig(env, cwd);
    // The port, then the data folder, before the bulk of the code even loads: a clash is reported within
    // a fraction of a second, and nothing has been opened.
    const listener = new HttpListener();
    await listener.listen(config.host, config.port);
    const dataFolderLock = config.databaseUrl ? undefined : lockDataFolder(config.dataDir);
    const [{ loadResources }, { createApp }] = await Promise.all([
      import("../gateway/resources/load.ts"),
      import("./app.ts"),
    ]);
    if (config.resourcesBundled) {
      say(
        `resources: no ./resources folder here, using the bundled reference resources (${config.resourcesPath})`,
      );
    }
    const resources = await loadResources(config.resourcesPath);
    app = await createApp(config, { resources, listener, dataFolderLock, say });
    await app.start();
    for (const line of nextSteps(config, listener.url!, cwd)) say(line);
  } catch (err) {
    if (err instanceof ConfigError) return fail(`bad configuration: ${err.message}`);
    if (err instanceof Error && err.name === "ResourceError") return fail(`bad resources:\n${err.message}`);
    if (err instanceof ListenError || err instanceof DataFolderInUseError) return fail(err.message);
    return fail(`start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, "stopping");
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** What to do once it listens: where the admin key is and the first command, exactly as it must be typed. */
export function nextSteps(config: Config, url: string, cwd: string): string[] {
  const prefix: string[] = [];
  if (url !== "http://127.0.0.1:8080") prefix.push(`COUNTERSIGN_URL=${url}`);
  let keyLine =
    "admin key: the COUNTERSIGN_ADMIN_KEY you set (the CLI uses it when it is in its environment)";
  if (!config.adminKey) {
    keyLine = `admin key: in ${path.join(config.dataDir, ADMIN_KEY_FILE)}, where the CLI finds it`;
    if (config.dataDir !== path.resolve(cwd, ".countersign"))
      prefix.push(`COUNTERSIGN_DATA_DIR=${config.dataDir}`);
  }
  return [
    keyLine,
    `next, in another terminal in this folder: ${[...prefix, "npx countersign approvals ls"].join(" ")}`,
    "then the README's walkthrough: keys for an agent and an operator, and a refund that waits for a person",
  ];
}

function fail(message: string): never {
  console.error(`countersign: ${message}`);
  // exit() rather than return: whatever start-up opened (the port, the database) must not keep it alive.
  process.exit(1);
}
