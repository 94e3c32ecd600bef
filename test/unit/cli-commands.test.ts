// The command line's contract with scripts and people: exit 2 for a command line it cannot understand,
// exit 1 naming the reason when the server cannot be reached or a file is broken, help with an example on
// every command. In-process for speed; one real subprocess checks the exit codes reach the shell.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../cli/run.ts";
import { runCliInProcess, runCliProcess } from "../helpers/cli.ts";

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const tmp = mkdtempSync(path.join(tmpdir(), "countersign-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("usage errors exit 2", () => {
  it.each([
    [["frobnicate"], "unknown command 'frobnicate'"],
    [["approvals", "ls", "--colour"], "unknown option '--colour'"],
    [["approvals", "ls", "--status", "maybe"], "argument 'maybe' is invalid"],
    [["approvals", "ls", "--limit", "0"], "must be a whole number"],
    [
      ["approvals", "decide", "approval-call-1", "--rationale", "ok"],
      "required option '--decision <decision>'",
    ],
    [
      ["approvals", "decide", "approval-call-1", "--decision", "maybe"],
      "Allowed choices are approve, reject",
    ],
    [["approvals", "decide", "--decision", "approve"], "missing required argument 'id'"],
    [
      ["approvals", "override", "approval-call-1", "--decision", "approve", "--reason", "x"],
      "'--grant-by <role>'",
    ],
    [["keys", "create"], "give --agent NAME or --operator EMAIL"],
    [["keys", "create", "--agent", "a", "--operator", "b@example.com"], "cannot be used with option"],
    [["describe", "approval"], "missing required argument 'id'"],
    [["approvals"], "Usage: countersign approvals"],
  ])("%j", async (argv, message) => {
    const r = await runCliInProcess(argv, { env: { COUNTERSIGN_KEY: "k" } });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(message);
  });
});

describe("help", () => {
  const commandPaths = (): string[][] => {
    const paths: string[][] = [];
    const walk = (cmd: ReturnType<typeof buildProgram>, prefix: string[]) => {
      for (const sub of cmd.commands) {
        if (sub.name() === "help") continue;
        paths.push([...prefix, sub.name()]);
        walk(sub, [...prefix, sub.name()]);
      }
    };
    walk(buildProgram({} as never), []);
    return paths;
  };

  it("covers every command the contract names", () => {
    expect(commandPaths().map((p) => p.join(" "))).toEqual(
      expect.arrayContaining([
        "serve",
        "approvals ls",
        "approvals decide",
        "approvals override",
        "describe approval",
        "keys create",
        "resources validate",
        "audit verify",
      ]),
    );
  });

  it("answers --help on every command with exit 0 and an example of it", async () => {
    for (const p of [[], ...commandPaths()]) {
      const r = await runCliInProcess([...p, "--help"]);
      expect(r.code, p.join(" ")).toBe(0);
      expect(r.stdout, p.join(" ")).toMatch(new RegExp(`Examples?:\\n  \\$ countersign ${p.join(" ")}`));
    }
  });
});

describe("an unreachable server", () => {
  it("fails with exit 1 naming the URL", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCliInProcess(["approvals", "ls"], {
      env: { COUNTERSIGN_URL: url, COUNTERSIGN_KEY: "k" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot reach the Countersign server at ${url} (connection refused)`);
    expect(r.stdout).toBe("");
  });

  it("rejects a COUNTERSIGN_URL that is not an http URL", async () => {
    const r = await runCliInProcess(["audit", "verify"], {
      env: { COUNTERSIGN_URL: "ftp://x", COUNTERSIGN_KEY: "k" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("COUNTERSIGN_URL must be an http(s) URL");
  });
});

describe("keys", () => {
  it("says where it looked for the admin key when there is none", async () => {
    const r = await runCliInProcess(["keys", "create", "--agent", "support-bot"], {
      env: { COUNTERSIGN_DATA_DIR: tmp },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no admin key at ${path.join(tmp, "admin.key")}`);
  });

  it("never sends the local admin key to a server on another host", async () => {
    writeFileSync(path.join(tmp, "admin.key"), "csk_admin_local\n");
    const r = await runCliInProcess(["audit", "verify"], {
      env: { COUNTERSIGN_DATA_DIR: tmp, COUNTERSIGN_URL: "https://countersign.example.com" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no API key for https://countersign.example.com");
  });

  it("asks for an operator key to decide, rather than using the admin key", async () => {
    const r = await runCliInProcess(["approvals", "decide", "a", "--decision", "approve"], {
      env: { COUNTERSIGN_DATA_DIR: tmp },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("needs an operator key");
  });
});

describe("resources validate", () => {
  it("exits 1 listing each problem with file, document, field path and reason", async () => {
    const file = path.join(tmp, "broken.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: countersign.dev/v1alpha1",
        "kind: Tool",
        "metadata: { name: refund.issue }",
        "spec:",
        "  type: rest",
        '  endpoint: { url: "https://billing.example.com/refunds", method: POST }',
        "  sideEffects: { level: catastrophic, idempotent: false, requiresApproval: true }",
      ].join("\n"),
    );
    const r = await runCliInProcess(["resources", "validate", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${file}: document 0.*: spec\\.sideEffects\\.level: .+`, "m"));
    expect(r.stderr).toContain("1 problem");
  });

  it("exits 0 on the reference set with what it holds, and reports JSON for scripts", async () => {
    const ok = await runCliInProcess(["resources", "validate", "resources"]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: "valid: resources (4 tools, 3 policies, 3 teams, 2 roles, 2 agents)\n",
    });
    const json = await runCliInProcess([
      "resources",
      "validate",
      path.join(tmp, "missing.yaml"),
      "-o",
      "json",
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      problems: [{ reason: "no such file or folder" }],
    });
  });
});

describe("as a real process", () => {
  it("exits 2 on a usage error and 1 on an unreachable server, through bin/countersign.mjs", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const [usage, unreachable] = await Promise.all([
      runCliProcess(["approvals", "decide", "x"]),
      runCliProcess(["approvals", "ls", "-o", "json"], { COUNTERSIGN_URL: url, COUNTERSIGN_KEY: "k" }),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '--decision <decision>' not specified");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(url);
    // Piped output carries no colour.
    expect(unreachable.stderr).not.toContain("\x1b[");
  });
});
