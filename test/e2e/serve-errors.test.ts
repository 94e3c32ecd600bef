// `countersign serve` with bad configuration or a YAML mistake stops at once with one message that names
// the variable, or the file, document, field and reason. A port in use, or a PGlite data folder another
// server holds, stops it within seconds with exit 1 and nothing left running.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../../db/data-folder-lock.ts";
import { REFERENCE_RESOURCES } from "../helpers/app.ts";
import { freePort, type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/countersign.mjs");

/** Runs `countersign serve` to its end (20 s at most); answers exit status, output and how long it took. */
function serve(env: Record<string, string>) {
  const started = Date.now();
  const run = spawnSync(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr, stdout: run.stdout, ms: Date.now() - started };
}

describe("serve refuses bad start-up input", () => {
  it("names the bad variable", () => {
    const r = serve({ PORT: "eighty" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "countersign: bad configuration: PORT must be a port number between 0 and 65535",
    );
  });

  it("names the file, document, field and line of a YAML mistake", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "countersign-badyaml-"));
    writeFileSync(
      path.join(dir, "tools.yaml"),
      [
        "apiVersion: countersign.dev/v1alpha1",
        "kind: Agent",
        "metadata: { name: ok-bot }",
        "---",
        "apiVersion: countersign.dev/v1alpha1",
        "kind: Tool",
        "metadata: { name: refund.issue }",
        "spec:",
        "  type: decision",
        "  sideEffects: { level: finance, idempotent: false, requiresApproval: true }",
        "",
      ].join("\n"),
    );
    // PORT 0: the port is bound before the resources are read, and 8080 may be taken on this machine.
    const r = serve({ COUNTERSIGN_RESOURCES: dir, COUNTERSIGN_DATA_DIR: dir, PORT: "0" });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${path.join(dir, "tools.yaml")}: document 1 (Tool refund.issue): spec.sideEffects.level: expected one of`,
    );
    expect(r.stderr).toContain("(line 10)");
  });
});

// The embedded database whatever the backend under test: these are about PGlite's folder and the port.
describe("serve refuses to share a port or a PGlite data folder", () => {
  let dir: string;
  let first: ServerProcess;
  const env = () => ({
    COUNTERSIGN_DATA_DIR: dir,
    COUNTERSIGN_RESOURCES: REFERENCE_RESOURCES,
    LOG_LEVEL: "warn",
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "countersign-clash-"));
    first = await startServerProcess(env());
  });
  afterAll(async () => {
    await first?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a second server on the same data folder exits 1 naming the process that holds it, within 5 s", async () => {
    const second = serve({ ...env(), PORT: String(await freePort()) });
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(
      `countersign: data folder ${dir} is in use by process ${first.proc.pid}`,
    );
    expect(second.ms).toBeLessThan(5000);
    // The first server is untouched and still answers.
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
  });

  it("a port in use exits 1 saying so, within 5 s, and leaves its data folder unlocked", async () => {
    const other = mkdtempSync(path.join(tmpdir(), "countersign-clash-"));
    try {
      const second = serve({ ...env(), COUNTERSIGN_DATA_DIR: other, PORT: String(first.port) });
      expect(second.status).toBe(1);
      expect(second.stderr.trim()).toBe(
        `countersign: port ${first.port} is in use (on 127.0.0.1): stop what is using it, or set PORT`,
      );
      expect(second.ms).toBeLessThan(5000);
      expect(existsSync(path.join(other, LOCK_FILE))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("a port held by something else entirely is refused the same way", async () => {
    const squatter: Server = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    const other = mkdtempSync(path.join(tmpdir(), "countersign-clash-"));
    try {
      const second = serve({ ...env(), COUNTERSIGN_DATA_DIR: other, PORT: String(port) });
      expect(second.status).toBe(1);
      expect(second.stderr).toContain(`countersign: port ${port} is in use`);
      expect(second.ms).toBeLessThan(5000);
    } finally {
      squatter.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
