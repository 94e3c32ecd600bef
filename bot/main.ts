// The running process: configuration, start, and a clean stop on SIGINT/SIGTERM.
import { createApp } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";

export async function serve(env: Record<string, string | undefined> = process.env): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`countersign: bad configuration: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
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
