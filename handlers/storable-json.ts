import { CodedError } from "./errors.ts";

// What PostgreSQL can store as jsonb, decided in one place. It refuses three things a JSON value can
// hold: U+0000 in a string or key, a lone UTF-16 surrogate (what `.slice()` leaves of a cut emoji), and
// nesting deep enough to exhaust its stack. Requests holding one are refused at the edge, naming the
// field (findUnstorable); a tool's answer, which cannot be refused once the tool acted, is made storable
// (storableJsonText) so its call still ends with the answer recorded.

/** How deeply any JSON we accept or store may nest: far beyond any real tool input or answer. */
export const MAX_JSON_DEPTH = 256;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

export interface Unstorable {
  /** Keys from the root to the offending key or value (cut at the depth limit). */
  path: string[];
  problem: string;
}

export const NUL_PROBLEM = "must not contain the NUL character (\\u0000)";
export const SURROGATE_PROBLEM =
  "must not contain a lone UTF-16 surrogate (half of an emoji or other character, e.g. \\ud83d); send well-formed Unicode";
export const DEPTH_PROBLEM = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;

function stringProblem(s: string): string | undefined {
  if (s.includes("\u0000")) return NUL_PROBLEM;
  if (LONE_SURROGATE.test(s)) return SURROGATE_PROBLEM;
  return undefined;
}

/** The first key or string PostgreSQL cannot store, or the first nesting past MAX_JSON_DEPTH. */
export function findUnstorable(value: unknown, path: string[] = [], depth = 0): Unstorable | undefined {
  if (typeof value === "string") {
    const problem = stringProblem(value);
    return problem ? { path, problem } : undefined;
  }
  if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) return undefined;
  if (depth >= MAX_JSON_DEPTH) return { path, problem: DEPTH_PROBLEM };
  for (const [key, inner] of Object.entries(value)) {
    const at = [...path, printableKey(key)];
    const problem = stringProblem(key);
    if (problem) return { path: at, problem };
    const found = findUnstorable(inner, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** "input.items.0.name: must not …", the path cut short where it nests too deep to read. */
export function describeUnstorable(found: Unstorable, root: string): string {
  const shown = found.path.length > 8 ? [...found.path.slice(0, 8), "…"] : found.path;
  return `${[root, ...shown].filter(Boolean).join(".") || "body"}: ${found.problem}`;
}

/** Throws a 400 naming `field` (and the path inside it) when `value` cannot be stored. */
export function assertStorable(value: unknown, field: string): void {
  const found = findUnstorable(value);
  if (found) throw new CodedError("bad_request", describeUnstorable(found, field), { field });
}

function printableKey(key: string): string {
  return JSON.stringify(key).slice(1, -1);
}

/** Strings with each NUL and lone surrogate replaced by U+FFFD (deeper than the limit: left as it is). */
export function storableCopy(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return storableString(value);
  if (typeof value !== "object" || value === null || depth > MAX_JSON_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => storableCopy(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [storableString(k), storableCopy(v, depth + 1)]),
  );
}

function storableString(s: string): string {
  return s.replaceAll("\u0000", "\uFFFD").replace(LONE_SURROGATES, "\uFFFD");
}

// In JSON.stringify's output a NUL or lone surrogate can only appear escaped (\u0000, \ud83d); a match
// here may also be an escaped backslash followed by such text, which only costs the slower check.
const MAYBE_UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/** Whether JSON text may hold a NUL or lone surrogate (false means it certainly does not). */
export function mayHoldUnstorable(text: string): boolean {
  return text.includes("\u0000") || MAYBE_UNSTORABLE_ESCAPE.test(text);
}

/**
 * A value as JSON text PostgreSQL will take as jsonb, or null for undefined. NULs and lone surrogates are
 * replaced by U+FFFD; a value nested past MAX_JSON_DEPTH is kept as its JSON text (tooDeepToParse), so
 * nothing the tool said is lost.
 */
export function storableJsonText(value: unknown): string | null {
  if (value === undefined) return null;
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return JSON.stringify(`the answer could not be written as JSON: ${(err as Error).message}`);
  }
  if (text === undefined) return null;
  if (nestingExceeds(text, MAX_JSON_DEPTH)) return JSON.stringify(tooDeepToParse(text));
  if (!mayHoldUnstorable(text)) return text;
  return JSON.stringify(storableCopy(value));
}

/**
 * An answer nested past MAX_JSON_DEPTH, as it is given and stored: its text, in an object saying why (a
 * bare string holding JSON would be parsed again when read back).
 */
export function tooDeepToParse(text: string): { unparsed: string; note: string } {
  return {
    unparsed: text,
    note: `the answer nests more than ${MAX_JSON_DEPTH} levels deep, so it is kept as the text the tool sent`,
  };
}

/** Whether JSON text nests deeper than `limit`, found in one pass that stops as soon as it does. */
export function nestingExceeds(text: string, limit: number): boolean {
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}
