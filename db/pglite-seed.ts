// The PGlite seed: a data folder with initdb done and every migration applied, made at build time
// (`npm run build` → dist/db/pglite-seed.tar.gz) and shipped in the package. A fresh embedded database
// starts from a copy of it instead of running initdb, which in WASM takes seconds and about 875 MB.
// The seed is stamped with a hash of the migrations it holds and the PGlite version that made it; a
// seed whose stamp does not match this code's migrations and PGlite is never used (initdb runs instead).
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export interface SeedStamp {
  /** sha256 of every file in the migrations folder (names and contents). */
  migrations: string;
  /** The @electric-sql/pglite version that wrote the data folder. */
  pglite: string;
}

export const SEED_FILE = "pglite-seed.tar.gz";
export const STAMP_FILE = "pglite-seed.json";

/**
 * Where the build puts the seed: beside this module in dist/db/; when this module runs from the
 * sources (tests, tsx), in the dist/db/ the build made.
 */
export function defaultSeedFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return import.meta.url.endsWith(".ts") ? path.resolve(here, "../dist/db") : here;
}

export function migrationsHash(migrationsFolder: string): string {
  const hash = createHash("sha256");
  const files = readdirSync(migrationsFolder, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(path.join(migrationsFolder, f)).isFile())
    .map((f) => f.split(path.sep).join("/"))
    .sort();
  for (const file of files) {
    const content = readFileSync(path.join(migrationsFolder, file));
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's exports hide package.json: find it from the entry point.
  let dir = path.dirname(require.resolve("@electric-sql/pglite"));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

export function currentStamp(migrationsFolder: string): SeedStamp {
  return { migrations: migrationsHash(migrationsFolder), pglite: pgliteVersion() };
}

/** The seed tarball in `folder` if its stamp matches `expected`; undefined otherwise. */
export function findSeed(folder: string, expected: SeedStamp): string | undefined {
  const tarball = path.join(folder, SEED_FILE);
  const stampFile = path.join(folder, STAMP_FILE);
  if (!existsSync(tarball) || !existsSync(stampFile)) return undefined;
  try {
    const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as SeedStamp;
    return stamp.migrations === expected.migrations && stamp.pglite === expected.pglite ? tarball : undefined;
  } catch {
    return undefined;
  }
}

export function writeSeed(folder: string, tarball: Uint8Array, stamp: SeedStamp): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, SEED_FILE), tarball);
  writeFileSync(path.join(folder, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
}

/**
 * Unpacks the seed into `dataDir`, which must not hold a database yet. It is unpacked beside it first and
 * renamed into place, so a start-up that dies half way never leaves a half-written database behind.
 */
export async function unpackSeed(tarball: string, dataDir: string): Promise<void> {
  const partial = `${dataDir}.unpacking`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  await writeEntries(untar(gunzipSync(readFileSync(tarball)), partial));
  rmSync(dataDir, { recursive: true, force: true });
  renameSync(partial, dataDir);
}

interface Entry {
  target: string;
  data: Buffer | undefined; // undefined: a folder
}

/** Enough of ustar for what PGlite's dumpDataDir writes: regular files and folders with short names. */
function untar(tar: Buffer, into: string): Entry[] {
  const root = path.resolve(into);
  const entries: Entry[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header.toString("latin1", start, start + length).replace(/\0.*$/s, "");
    const name = [field(345, 155), field(0, 100)].filter(Boolean).join("/");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1) || "0";
    const target = path.resolve(root, `.${path.posix.sep}${name}`);
    if (target !== root && !target.startsWith(root + path.sep)) throw new Error(`seed: bad entry ${name}`);
    offset += 512;
    if (type !== "0" && type !== "5") throw new Error(`seed: unsupported entry type ${type} for ${name}`);
    entries.push({ target, data: type === "0" ? tar.subarray(offset, offset + size) : undefined });
    offset += Math.ceil(size / 512) * 512;
  }
  return entries;
}

/**
 * Folders first, then the files, many at a time: creating a thousand small files one by one is most of a
 * first start on a busy disk, and several in flight took half the time here.
 */
async function writeEntries(entries: Entry[]): Promise<void> {
  const folders = new Set<string>();
  for (const e of entries) folders.add(e.data ? path.dirname(e.target) : e.target);
  for (const folder of [...folders].sort()) mkdirSync(folder, { recursive: true, mode: 0o700 });
  const files = entries.filter((e) => e.data !== undefined);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      await writeFile(file.target, file.data!, { mode: 0o600 });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
