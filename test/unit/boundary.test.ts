// The layering, guarded: each top-level folder imports only the floors below it; each table has its
// writers; nothing imports in a circle; the domain and the renderers know no platform SDK or database
// driver, and botbuilder stays in bot/teams/. README's "Architecture" section draws the same floors.
import { getTableName, is, Table } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema.ts";
import {
  fileGraph,
  findCycles,
  folderGraph,
  readSource,
  type Source,
  scanSource,
  sourceFiles,
  type TableNames,
  within,
} from "../helpers/source-graph.ts";

/**
 * What each top-level folder may import from the others, lowest floor first: a folder, a subfolder or
 * a single file. Anything not listed (handlers/ → gateway/, blocks/ → db/, sdk/ → anything) fails.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  // Published on its own: nothing outside sdk/, and no package but the platform's fetch.
  sdk: [],
  db: [],
  // The resource and routing model: plain types and pure functions.
  model: [],
  // Words and views over the SDK's wire shapes; the rationale limit comes from the model.
  blocks: ["sdk", "model"],
  // The deliveries table.
  outbox: ["db", "sdk"],
  // The approvals domain.
  handlers: ["db", "model", "outbox", "blocks", "sdk"],
  // The agents' side.
  gateway: ["handlers", "outbox", "model", "blocks", "db", "sdk"],
  // The process, the platforms, the composition root.
  bot: ["gateway", "handlers", "outbox", "model", "blocks", "db", "sdk"],
  // The terminal reads the API through the SDK's types; it starts the server and validates YAML locally,
  // reaching each McpServer once to show how its tools are classified.
  // The offline audit check (audit verify --file) runs the very checks the server runs.
  cli: [
    "sdk",
    "blocks",
    "bot/main.ts",
    "gateway/resources",
    "gateway/execute/mcp/probe.ts",
    "handlers/audit-proof.ts",
  ],
  demo: ["bot", "cli", "gateway", "sdk"],
};
const FLOORS = Object.keys(MAY_IMPORT);

/** Who may write each table (files or folders). Every table in db/schema.ts must be listed. */
const WRITERS: Record<string, readonly string[]> = {
  deliveries: ["outbox"],
  approvals: ["handlers"],
  decisions: ["handlers"],
  // Each approver's approval toward a quorum, written only where a decision is landed.
  sign_offs: ["handlers/approvals/decide.ts"],
  audit_events: ["handlers/audit.ts"],
  audit_checkpoints: ["handlers/audit-checkpoints.ts"],
  // A rejection or timeout denies the waiting call in the decision's own transaction.
  tool_calls: ["gateway/tool-calls/store.ts", "handlers/approvals/record-decision.ts"],
  api_keys: ["gateway/keys.ts"],
  // The web console's sign-in state.
  console_sessions: ["bot/web/sessions.ts"],
  console_links: ["bot/web/sessions.ts"],
};

const PLATFORM_OR_DRIVER = /^(@slack\/|botbuilder|botframework-|nodemailer$|pg$|pg\/)/;
/** botbuilder is out of support upstream: only bot/teams/ may import it, so its successor replaces one folder. */
const BOT_FRAMEWORK = /^(botbuilder|botframework-)/;

const TABLES: TableNames = { byIdentifier: new Map(), sqlNames: new Set() };
for (const [identifier, value] of Object.entries(schema)) {
  if (!is(value, Table)) continue;
  TABLES.byIdentifier.set(identifier, getTableName(value));
  TABLES.sqlNames.add(getTableName(value));
}

const SOURCES = sourceFiles(FLOORS).map((f) => readSource(f, TABLES));
const ALL = sourceFiles([...FLOORS, "bench", "test"]).map((f) => readSource(f, TABLES));
const floorOf = (file: string) => file.split("/")[0]!;

function wrongWayImports(sources: readonly Source[]): string[] {
  return sources.flatMap((s) => {
    const floor = floorOf(s.file);
    const allowed = MAY_IMPORT[floor] ?? [];
    return s.imports
      .filter((target) => floorOf(target) !== floor && !allowed.some((entry) => within(target, entry)))
      .map((target) => `${s.file} → ${target}`);
  });
}

function unlistedWrites(sources: readonly Source[]): string[] {
  return sources.flatMap((s) =>
    s.writes
      .filter((table) => !(WRITERS[table] ?? []).some((owner) => within(s.file, owner)))
      .map((table) => `${s.file} writes ${table}`),
  );
}

function packagesMatching(sources: readonly Source[], pattern: RegExp): string[] {
  return sources.flatMap((s) => s.packages.filter((p) => pattern.test(p)).map((p) => `${s.file}: ${p}`));
}

describe("boundaries", () => {
  it("has every product folder on a floor", () => {
    expect(SOURCES.length).toBeGreaterThan(100);
    const imported = new Set(SOURCES.flatMap((s) => s.imports.map(floorOf)));
    expect([...imported].filter((f) => !FLOORS.includes(f))).toEqual([]);
  });

  it("imports only downwards: handlers/ nothing of gateway/, bot/ or cli/; blocks/ nothing of db/; sdk/ only itself", () => {
    expect(wrongWayImports(SOURCES)).toEqual([]);
  });

  it("keeps the SDK free of packages, so it is published on its own", () => {
    const sdk = SOURCES.filter((s) => floorOf(s.file) === "sdk");
    expect(sdk.length).toBeGreaterThan(0);
    expect(sdk.flatMap((s) => s.packages)).toEqual([]);
  });

  it("lets only each table's owner write it: the outbox deliveries, handlers/ approvals and decisions", () => {
    expect([...TABLES.sqlNames].filter((t) => !WRITERS[t])).toEqual([]);
    expect(unlistedWrites(SOURCES)).toEqual([]);
    // The owners really are the writers the rule speaks of.
    const writersOf = (table: string) => SOURCES.filter((s) => s.writes.includes(table)).map((s) => s.file);
    expect(writersOf("deliveries")).toEqual(["outbox/dispatch.ts", "outbox/enqueue.ts"]);
    expect(writersOf("decisions")).toEqual(["handlers/approvals/record-decision.ts"]);
  });

  it("has no import cycles, between files or between folders", () => {
    expect(findCycles(fileGraph(SOURCES))).toEqual([]);
    expect(findCycles(folderGraph(SOURCES))).toEqual([]);
  });

  for (const dir of ["handlers", "blocks", "bot/commands", "outbox", "model"]) {
    it(`${dir}/ imports no platform SDK or database driver`, () => {
      const files = SOURCES.filter((s) => within(s.file, dir));
      expect(files.length).toBeGreaterThan(0);
      expect(packagesMatching(files, PLATFORM_OR_DRIVER)).toEqual([]);
    });
  }

  it("only bot/teams/ imports botbuilder or another Bot Framework package", () => {
    const outside = ALL.filter((s) => !within(s.file, "bot/teams"));
    expect(packagesMatching(outside, BOT_FRAMEWORK)).toEqual([]);
    const adapter = ALL.find((s) => s.file === "bot/teams/adapter.ts")!;
    expect(adapter.packages.some((p) => BOT_FRAMEWORK.test(p))).toBe(true);
  });
});

describe("the boundary checks themselves", () => {
  const scan = (file: string, text: string) => scanSource(file, text, TABLES);

  it("would catch an offending import", () => {
    const web = SOURCES.find((s) => s.file === "bot/slack/web.ts")!;
    expect(web.packages.some((p) => PLATFORM_OR_DRIVER.test(p))).toBe(true);
  });

  it("reads every kind of import, and none in comments or strings", () => {
    const s = scan(
      "handlers/x.ts",
      `import { a } from "../gateway/keys.ts";
       import type { B } from "./b.ts";
       export { c } from "../blocks/c.ts";
       const d = await import("../bot/app.ts");
       // import { e } from "../cli/run.ts";
       const f = 'import { f } from "../cli/f.ts"';`,
    );
    expect(s.imports).toEqual(["gateway/keys.ts", "handlers/b.ts", "blocks/c.ts", "bot/app.ts"]);
  });

  it("catches a wrong-way import and allows a listed one", () => {
    const planted = scan("handlers/x.ts", `import { a } from "../gateway/keys.ts";`);
    expect(wrongWayImports([planted])).toEqual(["handlers/x.ts → gateway/keys.ts"]);
    const cli = scan("cli/x.ts", `const m = await import("../gateway/resources/load.ts");`);
    expect(wrongWayImports([cli])).toEqual([]);
    const sdk = scan("sdk/x.ts", `import type { A } from "../handlers/approvals/types.ts";`);
    expect(wrongWayImports([sdk])).toEqual(["sdk/x.ts → handlers/approvals/types.ts"]);
  });

  it("catches writes by drizzle and by raw SQL, and not reads or row locks", () => {
    const s = scan(
      "bot/x.ts",
      `await tx.insert(deliveries).values(rows);
       await db.update(approvals).set({});
       await q.execute(sql\`DELETE FROM decisions WHERE x = \${y}\`);
       await q.execute(sql\`WITH c AS (UPDATE tool_calls SET a = 1) SELECT 1\`);
       await q.select().from(auditEvents).for("update");
       await q.execute(sql\`SELECT id FROM api_keys FOR UPDATE SKIP LOCKED\`);
       set.delete(approvalId);`,
    );
    expect(s.writes.sort()).toEqual(["approvals", "decisions", "deliveries", "tool_calls"]);
    expect(unlistedWrites([s])).toHaveLength(4);
  });

  it("finds cycles of files and of folders", () => {
    const a = scan("gateway/wait/a.ts", `import type { B } from "./b.ts";`);
    const b = scan("gateway/wait/b.ts", `import { a } from "./a.ts";`);
    expect(findCycles(fileGraph([a, b]))).toEqual([["gateway/wait/a.ts", "gateway/wait/b.ts"]]);
    const up = scan("gateway/execute/x.ts", `import { y } from "../tool-calls/y.ts";`);
    const down = scan("gateway/tool-calls/y.ts", `import { x } from "../execute/x.ts";`);
    expect(findCycles(folderGraph([up, down]))).toEqual([["gateway/execute", "gateway/tool-calls"]]);
    // A folder leaning on its parent's shared files is not a cycle.
    const child = scan("bot/slack/index.ts", `import type { C } from "../config.ts";`);
    const root = scan("bot/app.ts", `const s = await import("./slack/index.ts");`);
    expect(findCycles(folderGraph([child, root]))).toEqual([]);
  });
});
