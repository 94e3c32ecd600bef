// What the product's source files import and which tables they write, read with TypeScript's own parser
// (so comments and strings never pass for imports), for the boundary test. Paths are repo-relative with
// forward slashes: "handlers/approvals/decide.ts".
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface Source {
  file: string;
  /** Relative imports (static, re-exports, dynamic, type-only alike), resolved to repo paths. */
  imports: string[];
  /** Package imports: "@slack/bolt", "node:fs", "pg". */
  packages: string[];
  /** Tables this file writes (INSERT, UPDATE, DELETE, TRUNCATE), by SQL name. */
  writes: string[];
}

/** The tables' drizzle names (as imported from db/schema.ts) and SQL names. */
export interface TableNames {
  byIdentifier: Map<string, string>;
  sqlNames: Set<string>;
}

/** Every .ts and .tsx file below these repo folders. */
export function sourceFiles(dirs: readonly string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts") || f.endsWith(".tsx"))
      .map((f) => path.posix.join(dir, f.split(path.sep).join("/"))),
  );
}

export function readSource(file: string, tables: TableNames): Source {
  return scanSource(file, readFileSync(path.join(ROOT, file), "utf8"), tables);
}

// An INSERT, UPDATE, DELETE or TRUNCATE of a table in SQL text ("FOR UPDATE SKIP LOCKED" names none).
const SQL_WRITE = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+([a-z_][a-z0-9_]*)/gi;
const DRIZZLE_WRITES = new Set(["insert", "update", "delete"]);

/** Parses one file's text: its imports, and its writes by drizzle (`tx.update(deliveries)`) or raw SQL. */
export function scanSource(file: string, text: string, tables: TableNames): Source {
  const source: Source = { file, imports: [], packages: [], writes: [] };
  const writes = new Set<string>();
  const addImport = (spec: string) => {
    if (spec.startsWith("."))
      source.imports.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)));
    else source.packages.push(spec);
  };
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      addImport(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword && arg && ts.isStringLiteralLike(arg)) {
        addImport(arg.text);
      }
      if (
        ts.isPropertyAccessExpression(node.expression) &&
        DRIZZLE_WRITES.has(node.expression.name.text) &&
        node.arguments.length === 1 &&
        arg &&
        ts.isIdentifier(arg) &&
        tables.byIdentifier.has(arg.text)
      ) {
        writes.add(tables.byIdentifier.get(arg.text)!);
      }
    } else if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      for (const m of node.text.matchAll(SQL_WRITE)) {
        const table = m[1]!.toLowerCase();
        if (tables.sqlNames.has(table)) writes.add(table);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true));
  source.writes = [...writes];
  return source;
}

/** Import cycles: each strongly connected set of more than one node (Tarjan), members sorted. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const members: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      members.push(w);
    } while (w !== v);
    if (members.length > 1) cycles.push(members.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return cycles;
}

/** The import graph between files. */
export function fileGraph(sources: readonly Source[]): Map<string, string[]> {
  return new Map(sources.map((s) => [s.file, s.imports]));
}

/**
 * The import graph between folders. A file may lean on the shared files of a folder above its own
 * (bot/slack/ on bot/config.ts, handlers/approvals/ on handlers/errors.ts), so an edge from a folder to
 * one of its ancestors is left out; between any other two folders, dependence must be one way.
 */
export function folderGraph(sources: readonly Source[]): Map<string, string[]> {
  const graph = new Map<string, Set<string>>();
  for (const s of sources) {
    const from = path.posix.dirname(s.file);
    for (const target of s.imports) {
      const to = path.posix.dirname(target);
      if (to === from || from.startsWith(`${to}/`)) continue;
      graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return new Map([...graph].map(([k, v]) => [k, [...v]]));
}

/** `path` is `entry` or lies below it ("gateway/resources" covers "gateway/resources/load.ts"). */
export function within(file: string, entry: string): boolean {
  return file === entry || file.startsWith(`${entry}/`);
}
