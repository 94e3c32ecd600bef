// The running process: configuration, start, and a clean stop on SIGINT/SIGTERM. Bad configuration or
// resources stop start-up with one message that names the problem.
import { ResourceError } from "../gateway/resources/load.ts";
import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";

export async function serve(env: Record<string, string | undefined> = process.env): Promise<void> {
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp(loadConfig(env));
  } catch (err) {
    if (err instanceof ConfigError) return fail(`bad configuration: ${err.message}`);
    if (err instanceof ResourceError) return fail(`bad resources:\n${err.message}`);
    throw err;
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
  await app.start();
}

function fail(message: string): never {
  console.error(`countersign: ${message}`);
  process.exit(1);
}
