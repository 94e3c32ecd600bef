// Before any test: bring dist/ up to date (tools/build.mjs; about 50 ms when nothing changed), so the tests
// that run `countersign` as a process never run JavaScript older than the sources they sit beside.
import { spawnSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, "..");
  const run = spawnSync(process.execPath, [path.join(root, "tools", "build.mjs"), "--quiet"], {
    cwd: root,
    stdio: "inherit",
  });
  if (run.status !== 0) throw new Error("npm run build failed: the tests need an up-to-date dist/");
}
