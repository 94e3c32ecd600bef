// Starts the bare proxy (bare-proxy-server.ts) as its own process: the baseline beside the gateway.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";

export interface BareProxy {
  url: string;
  key: string;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

export async function startBareProxy(toolUrl: string): Promise<BareProxy> {
  const key = randomBytes(16).toString("hex");
  const file = path.join(import.meta.dirname, "bare-proxy-server.ts");
  // BENCH_CPU_PROF=DIR: V8 CPU profiles of the baseline too, to set beside the gateway's (one per thread:
  // tsx's loader has its own).
  const profile = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${path.join(process.env.BENCH_CPU_PROF, "bare-proxy")}`]
    : [];
  const proc = spawn(process.execPath, [...profile, "--import", "tsx", file, toolUrl, key], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
    proc.once("exit", (code) => reject(new Error(`bare proxy exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      await exited;
    },
  };
}
