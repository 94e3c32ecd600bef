// `countersign serve` with bad configuration or a YAML mistake stops at once with one message that names
// the variable, or the file, document, field and reason.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const BIN = path.resolve(import.meta.dirname, "../../bin/countersign.mjs");

function serve(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [BIN, "serve"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr };
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
    const r = serve({ COUNTERSIGN_RESOURCES: dir, COUNTERSIGN_DATA_DIR: dir });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${path.join(dir, "tools.yaml")}: document 1 (Tool refund.issue): spec.sideEffects.level: expected one of`,
    );
    expect(r.stderr).toContain("(line 10)");
  });
});
