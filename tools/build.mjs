#!/usr/bin/env node
// npm run build: the product as JavaScript with declarations in dist/, what the package ships and the
// `countersign` command runs.
//   dist/**.js, .d.ts     every product folder (tsconfig.build.json: all but test, bench, demo, tools)
//   dist/cjs/sdk          the SDK again as CommonJS, for require("countersign/sdk")
//   dist/db/migrations    the committed migrations; dist/resources: the bundled reference resources
//   dist/db/pglite-seed.* a migrated PGlite data folder, so a first start skips initdb (see db/pglite-seed.ts)
// It runs on `npm install` (prepare), before `npm start`, `npm test`, the demo and benchmarks; it does nothing
// when no input changed since the last build (a fingerprint of every input's path, size and mtime), so
// those commands pay about 50 ms. --force rebuilds; --quiet leaves out "up to date" (work that takes
// seconds is always announced).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "dist");
const FINGERPRINT = path.join(DIST, ".fingerprint");
/** Folders that are not compiled into the package (the same list as tsconfig.build.json's exclude). */
const NOT_PRODUCT = new Set(["test", "bench", "demo", "tools", "node_modules", "dist", "coverage"]);

const force = process.argv.includes("--force");
const quiet = process.argv.includes("--quiet");
const say = (line) => console.log(`build: ${line}`);

/** Assets the build copies into dist/ beside the compiled code. */
const ASSETS = ["db/migrations", "resources", "bot/web/assets"];

/** Every input of the build: TypeScript in product folders, the assets, the build configs, package.json. */
function inputs() {
  const found = ["package.json", "tsconfig.json", "tsconfig.build.json", "tsconfig.sdk-cjs.json"];
  for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".") || NOT_PRODUCT.has(entry.name)) continue;
    for (const file of readdirSync(path.join(ROOT, entry.name), { recursive: true, encoding: "utf8" })) {
      const relative = path.join(entry.name, file);
      const asset = ASSETS.some((a) => relative.startsWith(a + path.sep));
      if (asset || file.endsWith(".ts") || file.endsWith(".tsx")) found.push(relative);
    }
  }
  return found.sort();
}

function fingerprint() {
  const hash = createHash("sha256");
  for (const file of inputs()) {
    const st = statSync(path.join(ROOT, file), { throwIfNoEntry: false });
    if (st?.isFile()) hash.update(`${file}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

function tsc(project) {
  const bin = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(process.execPath, [bin, "-p", project], { cwd: ROOT, stdio: "inherit" });
  if (run.status !== 0) throw new Error(`tsc -p ${project} failed (exit ${run.status})`);
}

/** Files under dir (relative paths). */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    statSync(path.join(dir, f)).isFile(),
  );
}

/**
 * Declarations keep the sources' `./x.ts` imports; TypeScript 5 reads those, older consumers and other
 * tools want `./x.js`, which is what the JavaScript beside them imports.
 */
function rewriteDeclarationImports() {
  for (const file of filesUnder(DIST).filter((f) => f.endsWith(".d.ts"))) {
    const full = path.join(DIST, file);
    const text = readFileSync(full, "utf8");
    const fixed = text.replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
    if (fixed !== text) writeFileSync(full, fixed);
  }
}

/** Output whose source is gone (a moved or deleted file): tsc only ever adds, so stale modules linger. */
function removeOrphans() {
  for (const file of filesUnder(DIST)) {
    const match = file.match(/^(?!cjs\/)(.*)\.(js|d\.ts)$/);
    const source = (ext) => existsSync(path.join(ROOT, `${match[1]}${ext}`));
    const asset = ASSETS.some((a) => file.startsWith(a + path.sep));
    if (match && !asset && !source(".ts") && !source(".tsx")) rmSync(path.join(DIST, file));
  }
}

function copyAssets() {
  for (const asset of ASSETS) {
    rmSync(path.join(DIST, asset), { recursive: true, force: true });
    cpSync(path.join(ROOT, asset), path.join(DIST, asset), { recursive: true });
  }
  writeFileSync(path.join(DIST, "cjs", "package.json"), '{ "type": "commonjs" }\n');
}

/** The PGlite seed, made again only when the migrations or PGlite changed (it is the slow part). */
async function buildSeed() {
  const seed = await import(path.join(DIST, "db", "pglite-seed.js"));
  const { makeSeedTarball } = await import(path.join(DIST, "db", "pglite.js"));
  const migrations = path.join(DIST, "db", "migrations");
  const folder = path.join(DIST, "db");
  const stamp = seed.currentStamp(migrations);
  if (seed.findSeed(folder, stamp)) return;
  say("making the PGlite seed (initdb and the migrations; only when db/migrations or PGlite changed)…");
  seed.writeSeed(folder, await makeSeedTarball(migrations), stamp);
}

async function main() {
  const print = fingerprint();
  if (!force && existsSync(FINGERPRINT) && readFileSync(FINGERPRINT, "utf8") === print) {
    if (!quiet) say("dist/ is up to date");
    return;
  }
  const started = Date.now();
  mkdirSync(DIST, { recursive: true });
  rmSync(FINGERPRINT, { force: true });
  say("compiling TypeScript into dist/…");
  tsc("tsconfig.build.json");
  tsc("tsconfig.sdk-cjs.json");
  rewriteDeclarationImports();
  removeOrphans();
  copyAssets();
  await buildSeed();
  writeFileSync(FINGERPRINT, print);
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(`build: ${err.message}`);
  process.exit(1);
});
