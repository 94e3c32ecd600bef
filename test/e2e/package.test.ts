// The package as a user gets it: `npm pack`, installed from the tarball into a new app that has no
// resources folder. There the SDK imports from plain ESM and from CommonJS, a TypeScript file using it
// compiles with `tsc --module nodenext`, `npx countersign --version` answers, `npx countersign serve` starts
// on the bundled reference resources, and the README's requireApproval example works as pasted.
// Runs in the PGlite pass only: it needs no database of the suite's and need not run twice.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../helpers/db.ts";
import { freePort } from "../helpers/server-process.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
const installedVersion = (name: string) => lock.packages[`node_modules/${name}`].version as string;

/** Runs a command in `cwd`; fails the test with its output unless it exits 0 (or `expectCode`). */
function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}, expectCode = 0) {
  const r = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
  const output = `${command} ${args.join(" ")} → ${r.status}\n${r.stdout}\n${r.stderr}`;
  expect(r.status, output).toBe(expectCode);
  return { stdout: r.stdout, stderr: r.stderr, output };
}

/** The README's SDK example, the block marked as tested here. */
function readmeAgentExample(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = readme.match(/<!-- tested by test\/e2e\/package\.test\.ts -->\s*```\w*\n([\s\S]*?)```/);
  if (!block)
    throw new Error("README.md has no code block marked <!-- tested by test/e2e/package.test.ts -->");
  return block[1]!;
}

describe.skipIf(backend !== "pglite")("the packed package in a new app (PGlite pass only)", () => {
  let work: string;
  let app: string;
  let server: ChildProcess | undefined;
  let serverOutput = "";
  let url: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), "countersign-pack-"));
    // dist/ is fresh (the suite's global setup built it), so no prepare script is needed here.
    run(ROOT, "npm", ["pack", "--ignore-scripts", "--pack-destination", work]);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    app = path.join(work, "app");
    mkdirSync(app);
    writeFileSync(
      path.join(app, "package.json"),
      `${JSON.stringify({ name: "agent-app", private: true })}\n`,
    );
    run(app, "npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      path.join(work, tarball),
      `typescript@${installedVersion("typescript")}`,
      `@types/node@${installedVersion("@types/node")}`,
    ]);
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      // npx does not pass SIGTERM on to the server it started: stop the whole process group, or the
      // server outlives the test run.
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      process.kill(-server.pid!, "SIGTERM");
      await exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it("holds what a user runs and nothing else", () => {
    const installed = path.join(app, "node_modules", "countersign");
    const top = readdirSync(installed).sort();
    expect(top).toEqual(["README.md", "bin", "dist", "manifest.yml", "package.json"]);
    const files = readdirSync(path.join(installed, "dist"), { recursive: true, encoding: "utf8" });
    expect(files).toEqual(
      expect.arrayContaining([
        "sdk/index.js",
        "sdk/index.d.ts",
        "cjs/sdk/index.js",
        "cli/main.js",
        "db/pglite-seed.tar.gz",
        "resources/reference.yaml",
      ]),
    );
    const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    expect(sources).toEqual([]);
    expect(files.filter((f) => /^(test|bench|demo|tools)\//.test(f) || f.startsWith("."))).toEqual([]);
  });

  it("imports countersign/sdk from plain ESM and from CommonJS", () => {
    writeFileSync(
      path.join(app, "agent.mjs"),
      `import * as sdk from "countersign/sdk";
       const e = new sdk.ApprovalRejectedError({ id: "a", action: "deploy.production", decision: { decidedBy: "ana@example.com", rationale: "no" } });
       console.log(JSON.stringify({ names: Object.keys(sdk).sort(), error: e instanceof Error && e.decidedBy }));\n`,
    );
    writeFileSync(
      path.join(app, "agent.cjs"),
      `const sdk = require("countersign/sdk");
       const e = new sdk.ApprovalRejectedError({ id: "a", action: "deploy.production", decision: { decidedBy: "ana@example.com", rationale: "no" } });
       const names = Object.keys(sdk).filter((k) => k !== "__esModule").sort();
       console.log(JSON.stringify({ names, error: e instanceof Error && e.decidedBy }));\n`,
    );
    const expected = {
      names: [
        "ApprovalRejectedError",
        "ApprovalTimeoutError",
        "Countersign",
        "CountersignError",
        "ToolCallDeniedError",
        "requireApproval",
      ],
      error: "ana@example.com",
    };
    expect(JSON.parse(run(app, process.execPath, ["agent.mjs"]).stdout)).toEqual(expected);
    expect(JSON.parse(run(app, process.execPath, ["agent.cjs"]).stdout)).toEqual(expected);
  }, 60_000);

  it("type-checks a TypeScript agent with tsc --module nodenext, as ESM and as CommonJS, and catches misuse", () => {
    const agent = `import { Countersign, requireApproval, type Approval, ToolCallDeniedError } from "countersign/sdk";
const client = new Countersign({ baseUrl: "http://127.0.0.1:8080", apiKey: "k" });
export async function deploy(): Promise<Approval> {
  try {
    await client.callTool("refund.issue", { ticket: "T-1", amount: 1 }, { idempotencyKey: "x" });
  } catch (err) {
    if (err instanceof ToolCallDeniedError) console.log(err.reason);
  }
  return requireApproval("deploy.production", { context: { version: "1.2.3" }, timeoutMs: 600_000 });
}
`;
    writeFileSync(path.join(app, "agent.ts"), agent);
    // The same file as CommonJS (.cts): resolved through the package's "require" condition and its types.
    writeFileSync(path.join(app, "agent-cjs.cts"), agent);
    writeFileSync(
      path.join(app, "misuse.ts"),
      `import { requireApproval } from "countersign/sdk";\nrequireApproval(42);\n`,
    );
    const tsc = path.join(app, "node_modules", "typescript", "bin", "tsc");
    const flags = [
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--strict",
      "--noEmit",
      "--types",
      "node",
    ];
    run(app, process.execPath, [tsc, ...flags, "agent.ts", "agent-cjs.cts"]);
    const bad = run(app, process.execPath, [tsc, ...flags, "misuse.ts"], {}, 2);
    expect(bad.stdout).toContain("misuse.ts(2,17): error TS2345");
  }, 180_000);

  it("answers npx countersign --version with the package's version", () => {
    expect(run(app, "npx", ["countersign", "--version"]).stdout.trim()).toBe(pkg.version);
  }, 60_000);

  it("serves with no resources folder, on the bundled reference set, until /healthz answers", async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn("npx", ["countersign", "serve"], {
      cwd: app,
      env: { ...process.env, PORT: String(port), LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    server.stdout!.on("data", (d) => {
      serverOutput += d;
    });
    server.stderr!.on("data", (d) => {
      serverOutput += d;
    });
    const deadline = Date.now() + 60_000;
    let health: Response | undefined;
    while (Date.now() < deadline && server.exitCode === null) {
      health = await fetch(`${url}/healthz`).catch(() => undefined);
      if (health?.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(health?.status, serverOutput).toBe(200);
    expect(await health!.json()).toEqual({ status: "ok", database: "pglite" });
    const bundled = path.join(app, "node_modules", "countersign", "dist", "resources");
    expect(serverOutput).toContain(
      `resources: no ./resources folder here, using the bundled reference resources (${bundled})`,
    );
    expect(serverOutput).toContain(
      `preparing the embedded database in ${path.join(app, ".countersign", "pglite")}`,
    );
    expect(serverOutput).not.toContain("initdb ran instead");

    // The first command it suggests works as printed, with the admin key it found on its own.
    const next = serverOutput.match(/^next, in another terminal in this folder: (.*)$/m)?.[1];
    expect(next).toBe(`COUNTERSIGN_URL=${url} npx countersign approvals ls`);
    const [assignment, ...command] = next!.split(" ");
    const [name, value] = assignment!.split("=") as [string, string];
    expect(run(app, command[0]!, command.slice(1), { [name]: value }).stdout).toBe("No pending approvals.\n");
  }, 90_000);

  it("runs the README's requireApproval example as pasted: it waits, and resolves once a person approves", async () => {
    expect(server?.exitCode, "the server from the previous test is not running").toBeNull();
    const env = { COUNTERSIGN_URL: url };
    const agentKey = run(
      app,
      "npx",
      ["countersign", "keys", "create", "--agent", "support-bot"],
      env,
    ).stdout.trim();
    const anaKey = run(
      app,
      "npx",
      ["countersign", "keys", "create", "--operator", "ana@example.com"],
      env,
    ).stdout.trim();
    writeFileSync(path.join(app, "readme-agent.mjs"), readmeAgentExample());

    const agent = spawn(process.execPath, ["readme-agent.mjs"], {
      cwd: app,
      env: { ...process.env, COUNTERSIGN_URL: url, COUNTERSIGN_KEY: agentKey },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let agentOutput = "";
    agent.stdout!.on("data", (d) => {
      agentOutput += d;
    });
    agent.stderr!.on("data", (d) => {
      agentOutput += d;
    });
    const exited = new Promise<number | null>((resolve) => agent.once("exit", resolve));

    // The approval appears in Ana's queue (she is a release manager), and the agent is still waiting.
    const ana = { ...env, COUNTERSIGN_KEY: anaKey };
    let pending: { id: string; action: string; routing?: unknown }[] = [];
    for (let i = 0; i < 100 && pending.length === 0; i++) {
      const queue = JSON.parse(run(app, "npx", ["countersign", "approvals", "ls", "-o", "json"], ana).stdout);
      pending = queue.filter((a: { action: string }) => a.action === "deploy.production");
      if (pending.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pending, agentOutput).toHaveLength(1);
    expect(agent.exitCode).toBeNull();

    const id = pending[0]!.id;
    run(
      app,
      "npx",
      ["countersign", "approvals", "decide", id, "--decision", "approve", "--rationale", "Ship it."],
      ana,
    );
    expect(await exited, agentOutput).toBe(0);
  }, 120_000);
});
