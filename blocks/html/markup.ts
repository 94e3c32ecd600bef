// HTML text built from template literals, for the parts of a page rendered many times over (a queue row
// and its two decide controls, 50 to a page): Preact's renderer costs about half a microsecond a node,
// which at 2,000 nodes was most of what the Pending page cost beyond the API's answer. The same rule as
// Preact's holds: every interpolated value is escaped (text and attribute alike) unless it is Markup
// itself, i.e. made here by html`…`. Escaping matches preact-render-to-string's (& < " only: `>` and `'`
// need none inside text or a double-quoted attribute), so a page reads the same whichever way it was made.

/** Text that is already HTML: made by html`…`, never from a plain string. */
export class Markup {
  /** @internal Use html`…`; a Markup from arbitrary text would skip the escaping. */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const UNSAFE = /["&<]/;

/** Text or an attribute value, escaped. */
export function escapeHtml(text: string): string {
  if (!UNSAFE.test(text)) return text;
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const entity = c === 34 ? "&quot;" : c === 38 ? "&amp;" : c === 60 ? "&lt;" : undefined;
    if (entity === undefined) continue;
    out += text.slice(from, i) + entity;
    from = i + 1;
  }
  return out + text.slice(from);
}

/** A value placed in a template: Markup as is, lists joined, nothing for false/null/undefined. */
type Part = Markup | string | number | false | null | undefined | readonly Part[];

function piece(v: Part): string {
  if (v instanceof Markup) return v.text;
  if (v === false || v === null || v === undefined) return "";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return escapeHtml(v);
  let out = "";
  for (const each of v) out += piece(each);
  return out;
}

/** HTML from a template: every `${value}` is escaped unless it is Markup. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Markup {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]!) + strings[i + 1]!;
  return new Markup(out);
}
