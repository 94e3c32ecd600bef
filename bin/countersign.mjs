#!/usr/bin/env node
// The countersign command: the compiled CLI in dist/ (npm run build makes it; npm install runs the build).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("countersign: dist/ is missing: run `npm run build` in the countersign folder first");
  process.exit(1);
}
await import(main.href);
