// Reads resource YAML (a file, or every *.yaml / *.yml in a folder, sorted, not recursive), validates
// every document, checks references between them, and reports ALL problems at once with file, document
// index, field path and line, so one run of `countersign resources validate` shows everything to fix.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Document, LineCounter, parseAllDocuments } from "yaml";
import { mcpServerOf } from "../../model/mcp.ts";
import type { PolicyResource, ResourceSet, RoutingSpec } from "../../model/resources.ts";
import { resolvePeople } from "../../model/routing.ts";
import type { ParsedDocument } from "./schema/documents.ts";
import { validateDocument } from "./schema/validate.ts";

export interface ResourceProblem {
  file: string;
  /** 0-based index of the document in its file; null when the problem is the file or folder itself. */
  document: number | null;
  /** Field path such as spec.rules[0].require.approvalRouting.timeoutMinutes; "" for the whole document. */
  path: string;
  reason: string;
  line?: number;
  /** "Policy financial-actions-require-approval", when the document got that far. */
  resource?: string;
}

export class ResourceError extends Error {
  constructor(readonly problems: ResourceProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "ResourceError";
  }
}

export function formatProblem(p: ResourceProblem): string {
  const where = [p.file];
  if (p.document !== null) where.push(`document ${p.document}${p.resource ? ` (${p.resource})` : ""}`);
  if (p.path) where.push(p.path);
  return `${where.join(": ")}: ${p.reason}${p.line === undefined ? "" : ` (line ${p.line})`}`;
}

export interface ResourceCounts {
  tools: number;
  policies: number;
  teams: number;
  roles: number;
  agents: number;
  mcpServers: number;
}

/** For `countersign resources validate PATH`. */
export function validateResourcesPath(
  path: string,
): { ok: true; counts: ResourceCounts } | { ok: false; problems: ResourceProblem[] } {
  try {
    const set = loadResources(path);
    return {
      ok: true,
      counts: {
        tools: set.tools.size,
        policies: set.policies.length,
        teams: set.teams.size,
        roles: set.roles.size,
        agents: set.agents.size,
        mcpServers: set.mcpServers.size,
      },
    };
  } catch (e) {
    if (e instanceof ResourceError) return { ok: false, problems: e.problems };
    throw e;
  }
}

/** Throws ResourceError listing every problem found. */
export function loadResources(pathOrDir: string): ResourceSet {
  return parseResourceFiles(readSources(pathOrDir));
}

function readSources(path: string): { file: string; text: string }[] {
  const fail = (reason: string) => new ResourceError([{ file: path, document: null, path: "", reason }]);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw fail("no such file or folder");
  }
  const files = isDirectory
    ? readdirSync(path, { withFileTypes: true })
        .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
        .map((entry) => join(path, entry.name))
        .sort()
    : [path];
  if (files.length === 0) throw fail("no *.yaml or *.yml files in this folder");
  return files.map((file) => ({ file, text: readFileSync(file, "utf8") }));
}

/** A document that passed its schema, with what is needed to point at its fields later. */
interface Located {
  parsed: ParsedDocument;
  file: string;
  document: number;
  yaml: Document;
  lines: LineCounter;
}

/** Parses and validates YAML texts (file names are only used in problems). Throws ResourceError. */
export function parseResourceFiles(sources: { file: string; text: string }[]): ResourceSet {
  const problems: ResourceProblem[] = [];
  const located: Located[] = [];
  for (const { file, text } of sources) {
    const lines = new LineCounter();
    parseAllDocuments(text, { lineCounter: lines }).forEach((yaml, document) => {
      const [syntaxError] = yaml.errors;
      if (syntaxError) {
        // Only the first: the errors after it are mostly the parser losing its footing.
        problems.push({
          file,
          document,
          path: "",
          // yaml's message repeats the position and quotes the source; the line is reported separately.
          reason: `YAML syntax error: ${syntaxError.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
          line: syntaxError.linePos?.[0].line,
        });
        return;
      }
      const raw: unknown = yaml.toJS();
      if (raw === null || raw === undefined) return; // an empty document (a stray `---`)
      const result = validateDocument(raw);
      if ("document" in result) {
        located.push({ parsed: result.document, file, document, yaml, lines });
        return;
      }
      const resource = describeResource(raw);
      const found = result.problems.map((problem) => ({
        file,
        document,
        path: formatPath(problem.path),
        reason: problem.reason,
        line: lineOf(yaml, lines, problem.path),
        ...(resource && { resource }),
      }));
      // In the order a reader meets them in the file.
      problems.push(...found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
    });
  }
  const set = assemble(located, problems);
  if (problems.length > 0) throw new ResourceError(problems);
  return set;
}

/** Builds the set, reporting duplicate names and references to teams that are not defined. */
function assemble(located: Located[], problems: ResourceProblem[]): ResourceSet {
  const set: ResourceSet = {
    tools: new Map(),
    policies: [],
    teams: new Map(),
    roles: new Map(),
    agents: new Map(),
    mcpServers: new Map(),
  };
  const firstSeen = new Map<string, Located>();
  const problemAt = (at: Located, path: (string | number)[], reason: string) =>
    problems.push({
      file: at.file,
      document: at.document,
      path: formatPath(path),
      reason,
      line: lineOf(at.yaml, at.lines, path),
      resource: `${at.parsed.kind} ${at.parsed.resource.name}`,
    });

  for (const at of located) {
    const { kind, resource } = at.parsed;
    const key = `${kind}/${resource.name}`;
    const first = firstSeen.get(key);
    if (first) {
      problemAt(
        at,
        ["metadata", "name"],
        `duplicate ${kind} name (first defined in ${first.file} document ${first.document})`,
      );
      continue;
    }
    firstSeen.set(key, at);
    if (at.parsed.kind === "Tool") set.tools.set(resource.name, at.parsed.resource);
    if (at.parsed.kind === "Policy") set.policies.push(at.parsed.resource);
    if (at.parsed.kind === "Team") set.teams.set(resource.name, at.parsed.resource);
    if (at.parsed.kind === "Role") set.roles.set(resource.name, at.parsed.resource);
    if (at.parsed.kind === "Agent") set.agents.set(resource.name, at.parsed.resource);
    if (at.parsed.kind === "McpServer") set.mcpServers.set(resource.name, at.parsed.resource);
  }

  // SERVER.* names belong to the McpServer SERVER: its tools are registered under them once it is reached.
  for (const at of located) {
    if (at.parsed.kind !== "Tool") continue;
    const owner = mcpServerOf(set.mcpServers, at.parsed.resource.name);
    if (owner) {
      problemAt(
        at,
        ["metadata", "name"],
        `names starting with ${owner.name}. belong to the tools of McpServer ${owner.name}; set their side effects in its spec.tools instead`,
      );
    }
  }

  for (const at of located) {
    if (at.parsed.kind !== "Policy" || firstSeen.get(`Policy/${at.parsed.resource.name}`) !== at) continue;
    for (const { routingPath, routing } of routingsOf(at.parsed.resource)) {
      const refs = [
        ...routing.approvers.map((ref, i) => ({ ref, path: [...routingPath, "approvers", i] })),
        ...routing.sla.escalateTo.map((ref, i) => ({ ref, path: [...routingPath, "sla", "escalateTo", i] })),
        ...routing.sla.escalation.flatMap((level, l) =>
          level.to.map((ref, i) => ({ ref, path: [...routingPath, "sla", "escalation", l, "to", i] })),
        ),
      ];
      let known = true;
      for (const { ref, path } of refs) {
        if (ref.startsWith("team:") && !set.teams.has(ref.slice("team:".length))) {
          problemAt(at, path, `no Team named ${ref.slice("team:".length)} is defined`);
          known = false;
        }
      }
      const short = known ? quorumShortfall(routing, set) : undefined;
      if (short) problemAt(at, [...routingPath, "minApprovals"], short);
    }
  }
  return set;
}

/**
 * Why the approvers cannot make up the quorum, if they cannot: fewer people than minApprovals. (A Team's
 * Slack user group has members only Slack knows, so it may make up the number.)
 */
function quorumShortfall(routing: RoutingSpec, set: ResourceSet): string | undefined {
  if (routing.minApprovals <= 1) return undefined;
  const people = resolvePeople(routing.approvers, set);
  if (people.slackGroups.length > 0 || people.emails.length >= routing.minApprovals) return undefined;
  return `needs ${routing.minApprovals} distinct approvers, but ${routing.approvers.join(", ")} name only ${people.emails.length}`;
}

function routingsOf(policy: PolicyResource): { routingPath: (string | number)[]; routing: RoutingSpec }[] {
  const found = policy.rules.flatMap((rule, i) =>
    rule.routing
      ? [{ routingPath: ["spec", "rules", i, "require", "approvalRouting"], routing: rule.routing }]
      : [],
  );
  if (policy.toolPolicy?.routing) {
    found.push({
      routingPath: ["spec", "toolPolicy", "approvalRouting"],
      routing: policy.toolPolicy.routing,
    });
  }
  return found;
}

function describeResource(raw: unknown): string | undefined {
  const { kind, metadata } = raw as { kind?: unknown; metadata?: { name?: unknown } };
  if (typeof kind !== "string") return undefined;
  const name = typeof metadata === "object" && metadata !== null ? metadata.name : undefined;
  return typeof name === "string" ? `${kind} ${name}` : kind;
}

/** ["spec", "rules", 0, "when", "tool.name"] → spec.rules[0].when["tool.name"] */
function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((segment, i) => {
      if (typeof segment === "number") return `[${segment}]`;
      if (!/^[A-Za-z_$][\w$]*$/.test(segment)) return `[${JSON.stringify(segment)}]`;
      return i === 0 ? segment : `.${segment}`;
    })
    .join("");
}

/** The 1-based line of the deepest node along the path that exists (a missing field points at its parent). */
function lineOf(yaml: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = yaml.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
