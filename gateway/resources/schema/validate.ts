// Checks one YAML document against the schemas of every kind and turns it into the normalised types
// in types.ts. Objects are strict so that a typo (`timeoutMinuts`) is an error rather than a silently
// ignored key. validateDocument() reports every problem of one document as {path, reason}; the loader
// adds file, document index and line. Cross-document checks (duplicates, team references) are the loader's.
import type { z } from "zod";
import {
  API_VERSION_REASON,
  API_VERSIONS,
  documents,
  KINDS,
  type Kind,
  type ParsedDocument,
} from "./documents.ts";

export interface SchemaProblem {
  path: (string | number)[];
  reason: string;
}

/** Checks one parsed YAML document; on failure lists every problem found. */
export function validateDocument(raw: unknown): { document: ParsedDocument } | { problems: SchemaProblem[] } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return {
      problems: [{ path: [], reason: "expected a mapping with apiVersion, kind, metadata and spec" }],
    };
  }
  const { apiVersion, kind } = raw as Record<string, unknown>;
  if (!(KINDS as readonly unknown[]).includes(kind)) {
    const problems = [{ path: ["kind"], reason: `expected one of ${KINDS.join(", ")}` }];
    if (!(API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
      problems.unshift({ path: ["apiVersion"], reason: API_VERSION_REASON });
    }
    return { problems };
  }
  const result = documents[kind as Kind].safeParse(raw, { error: describeIssue });
  return result.success ? { document: result.data } : { problems: flattenIssues(result.error.issues) };
}

/** Readable reasons for the issues no schema above words itself. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "required";
    const got = Array.isArray(issue.input) ? "a list" : issue.input === null ? "nothing" : typeof issue.input;
    return `expected ${issue.expected === "object" ? "a mapping" : issue.expected}, got ${got}`;
  }
  if (issue.code === "invalid_value") return `expected ${issue.values.map(String).join(" or ")}`;
  return undefined;
}

function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[] = [],
): SchemaProblem[] {
  return issues.flatMap((issue): SchemaProblem[] => {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === "invalid_key") {
      // A record's key that its key schema refused: that schema's own words.
      return [{ path, reason: issue.issues[0]?.message ?? issue.message }];
    }
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key], reason: "unknown field" }));
    }
    if (issue.code === "invalid_union") {
      // Report the branch whose shape fits (a list vs a mapping); the other only says "wrong type".
      const fitting = issue.errors.filter(
        (branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0),
      );
      if (fitting.length === 1) return flattenIssues(fitting[0]!, path);
    }
    return [{ path, reason: issue.message }];
  });
}
