#!/usr/bin/env node
// npm run bench -- NAME [args…]: runs bench/NAME.ts. Benchmarks are run by hand, never by CI.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !existsSync(path.join(here, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [args…]`);
  process.exit(2);
}
const run = spawnSync(process.execPath, ["--import", "tsx", path.join(here, `${name}.ts`), ...rest], {
  stdio: "inherit",
});
process.exit(run.status ?? 1);
