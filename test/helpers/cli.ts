// Running the countersign CLI from tests: in-process through runCli (fast; output captured), or as a real
// subprocess through bin/countersign.mjs (exit codes and environment exactly as a user gets them).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Io } from "../../cli/io.ts";
import { createStyle } from "../../cli/render/style.ts";
import { runCli } from "../../cli/run.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/countersign.mjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  color?: boolean;
  now?: Date;
  cwd?: string;
}

export async function runCliInProcess(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const style = createStyle(opts.color ?? false);
  const io: Io = {
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
    env: opts.env ?? {},
    style,
    errStyle: style,
    now: () => opts.now ?? new Date(),
    cwd: opts.cwd ?? process.cwd(),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The CLI as its own process, with only the environment given (plus PATH and HOME). Non-blocking. */
export function runCliProcess(
  argv: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...argv], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d) => {
      stdout += d;
    });
    proc.stderr.on("data", (d) => {
      stderr += d;
    });
    proc.once("error", reject);
    proc.once("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Writes a copy of the reference resources into dir with tool endpoints replaced (the reference refund.issue
 * points at https://billing.example.com, which a test must not call).
 */
export function writeReferenceResources(dir: string, endpoints: Record<string, string>): void {
  let yaml = readFileSync(path.resolve(import.meta.dirname, "../../resources/reference.yaml"), "utf8");
  for (const [from, to] of Object.entries(endpoints)) {
    if (!yaml.includes(from)) throw new Error(`reference resources have no endpoint ${from}`);
    yaml = yaml.replaceAll(from, to);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "reference.yaml"), yaml);
}
