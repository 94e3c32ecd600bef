// Text from the server is chosen by agents and people (an action, an input, a tool's result, a
// rationale). Printed as it is, a control character in it acts on the operator's terminal: an escape
// sequence clears the row and writes another, a carriage return overwrites it, a bidi override reorders
// it. Every renderer shows such characters as visible escapes instead, and only the CLI's own styles
// (style.ts) put escape sequences on the screen.

// C0 controls (newline and tab included: they would break a row), DEL, C1 controls, and the bidi
// embeddings, overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ACTING = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** The text with each control character as a visible escape: ESC as \x1b, U+202E as \u202e. */
export function printable(text: string): string {
  return text.replace(ACTING, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
  });
}

/** A copy of server data with every string (and key) printable: what renderers are given. */
export function printableData<T>(value: T): T {
  if (typeof value === "string") return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableData) as T;
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [printable(k), printableData(v)])) as T;
}

/** Indented JSON of the data as it is (JSON escapes C0 itself), with what JSON leaves raw made visible. */
export function printableJsonLines(value: unknown): string[] {
  // JSON's own line breaks are the only raw newlines in it: a string's are escaped.
  return JSON.stringify(value ?? {}, null, 2)
    .split("\n")
    .map(printable);
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}
