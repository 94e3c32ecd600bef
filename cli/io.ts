// Where the CLI writes and what it knows of its surroundings; the process in production, buffers in tests.
import type { Readable, Writable } from "node:stream";
import { createStyle, type Style, wantsColor } from "./render/style.ts";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Styles for stdout: colour only when it is a terminal and NO_COLOR is unset. */
  style: Style;
  /** Styles for stderr, judged on stderr's own terminal. */
  errStyle: Style;
  now(): Date;
  cwd: string;
  /** The process's own stdin and stdout, for `mcp stdio`, which speaks a protocol on them. */
  streams?: { stdin: Readable; stdout: Writable };
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    style: createStyle(wantsColor(process.stdout.isTTY, process.env)),
    errStyle: createStyle(wantsColor(process.stderr.isTTY, process.env)),
    now: () => new Date(),
    cwd: process.cwd(),
    streams: { stdin: process.stdin, stdout: process.stdout },
  };
}

/** Writes lines, each ending in a newline. */
export function printLines(write: (text: string) => void, lines: string[]): void {
  if (lines.length > 0) write(`${lines.join("\n")}\n`);
}
