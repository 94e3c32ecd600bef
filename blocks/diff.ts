// What an approver changed in an input, as lines a person reads: one per changed field, by its path.
// Cards, emails, the terminal's describe and the audit trail's readers all show edits through this.

/** How long a value may get in a line before it is cut (the full record has it whole). */
const VALUE_MAX = 80;

export interface InputChange {
  /** amount, items[0].sku; "" for the input as a whole. */
  path: string;
  kind: "changed" | "added" | "removed";
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Field by field, depth first, in the order the fields appear (the original's first, then new ones). */
export function inputChanges(before: unknown, after: unknown, path = ""): InputChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => {
      const at = path ? `${path}.${key}` : key;
      if (!(key in after)) return [{ path: at, kind: "removed" as const, before: before[key] }];
      if (!(key in before)) return [{ path: at, kind: "added" as const, after: after[key] }];
      return inputChanges(before[key], after[key], at);
    });
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => inputChanges(item, after[i], `${path}[${i}]`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, kind: "changed", before, after }];
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length <= VALUE_MAX ? text : `${text.slice(0, VALUE_MAX - 1)}…`;
}

/** "amount: 129.5 → 100", "+ note: "VIP"", "− currency: "EUR"". */
export function diffLines(before: unknown, after: unknown): string[] {
  return inputChanges(before, after).map((c) => {
    const name = c.path || "input";
    if (c.kind === "added") return `+ ${name}: ${show(c.after)}`;
    if (c.kind === "removed") return `− ${name}: ${show(c.before)}`;
    return `${name}: ${show(c.before)} → ${show(c.after)}`;
  });
}
