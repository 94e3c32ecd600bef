// What every command shares: the -o option, help examples, and printing JSON for scripts.
import { type Command, Option } from "commander";
import type { Io } from "../io.ts";

export type OutputFormat = "text" | "json";

export function outputOption(): Option {
  return new Option("-o, --output <format>", "text for people, json for scripts")
    .choices(["text", "json"])
    .default("text");
}

export function examples(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText(
    "after",
    `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`,
  );
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
