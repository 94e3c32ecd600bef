// A secret kept in a file beside the data, never in the database: read when it exists, otherwise created
// (mode 600) with exclusive create, so two processes starting together on one folder both end with the
// one that won. The database's readers, backups and replicas never see it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export function readOrCreateKeyFile(file: string, create: () => string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    writeFileSync(file, create(), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return readFileSync(file, "utf8");
}
