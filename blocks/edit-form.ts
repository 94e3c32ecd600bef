// The input an approver may edit, as a form every chat surface draws its own way: for a flat object
// schema (strings, numbers, integers, booleans, enums) one typed field per property; otherwise one JSON
// text. What the person typed comes back as an input object here too, so Slack's modal and Teams' card
// read it alike. Whether the edit is allowed and valid is the domain's business (handlers/), not this.

/** More fields than this and the form is one JSON text (a modal or a card holds only so many inputs). */
export const FORM_FIELDS_MAX = 20;

export type EditField =
  | { name: string; kind: "text"; value: string; required: boolean }
  | { name: string; kind: "number"; integer: boolean; value: string; required: boolean }
  /** A boolean the input leaves out has no value (undefined), so leaving it alone adds nothing. */
  | { name: string; kind: "boolean"; value: boolean | undefined; required: boolean }
  | { name: string; kind: "choice"; options: string[]; value: string; required: boolean };

export type EditForm = { kind: "fields"; fields: EditField[] } | { kind: "json"; value: string };

/** The value each input of the form came back with, as text ("true"/"false" for a boolean). */
export type FormValues = Record<string, string | undefined>;

export type ReadInput =
  | { ok: true; input: Record<string, unknown> }
  | { ok: false; errors: Record<string, string> };

/** The name the JSON text goes by, where a field's name would. */
export const JSON_FIELD = "json";

/** The names of the form's inputs, as values are keyed: its fields', or JSON_FIELD. */
export function inputNames(form: EditForm): string[] {
  return form.kind === "json" ? [JSON_FIELD] : form.fields.map((f) => f.name);
}

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function fieldOf(name: string, prop: unknown, value: unknown, required: boolean): EditField | undefined {
  if (!isObject(prop)) return undefined;
  if (Array.isArray(prop.enum) && prop.enum.length > 0 && prop.enum.every((o) => typeof o === "string")) {
    return {
      name,
      kind: "choice",
      options: prop.enum as string[],
      value: typeof value === "string" ? value : "",
      required,
    };
  }
  switch (prop.type) {
    case "string":
      return { name, kind: "text", value: typeof value === "string" ? value : "", required };
    case "number":
    case "integer":
      return {
        name,
        kind: "number",
        integer: prop.type === "integer",
        value: typeof value === "number" ? String(value) : "",
        required,
      };
    case "boolean":
      return { name, kind: "boolean", value: typeof value === "boolean" ? value : undefined, required };
    default:
      return undefined;
  }
}

/** The form for editing `input` under the Tool's inputSchema (absent: the JSON text). */
export function editForm(schema: Schema | undefined, input: unknown): EditForm {
  const json: EditForm = { kind: "json", value: JSON.stringify(input ?? {}, null, 2) };
  if (schema?.type !== "object" || !isObject(schema.properties) || !isObject(input)) return json;
  const { properties } = schema;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const entries = Object.entries(properties);
  // Input the form has no field for would be lost in a round trip through it.
  if (entries.length > FORM_FIELDS_MAX || Object.keys(input).some((k) => !(k in properties))) {
    return json;
  }
  const fields: EditField[] = [];
  for (const [name, prop] of entries) {
    const field = fieldOf(name, prop, input[name], required.has(name));
    if (!field) return json;
    fields.push(field);
  }
  return { kind: "fields", fields };
}

/**
 * The input as edited: the JSON text parsed, or the fields read back by type (an empty field leaves its
 * property out, which the schema then judges; text is kept as typed, spaces and all). Errors are keyed by field name (JSON_FIELD for the text).
 */
export function readEditedInput(form: EditForm, values: FormValues): ReadInput {
  if (form.kind === "json") {
    const text = values[JSON_FIELD] ?? "";
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return { ok: true, input: parsed };
      return { ok: false, errors: { [JSON_FIELD]: "must be a JSON object ({…})" } };
    } catch (err) {
      return { ok: false, errors: { [JSON_FIELD]: `not valid JSON: ${(err as Error).message}` } };
    }
  }
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of form.fields) {
    const raw = values[field.name] ?? "";
    if (raw.trim() === "") continue;
    if (field.kind === "boolean") {
      if (raw === "true" || raw === "false") input[field.name] = raw === "true";
      else errors[field.name] = "must be true or false";
      continue;
    }
    if (field.kind === "number") {
      const n = Number(raw.trim());
      if (!Number.isFinite(n)) errors[field.name] = "must be a number";
      else if (field.integer && !Number.isInteger(n)) errors[field.name] = "must be a whole number";
      else input[field.name] = n;
      continue;
    }
    input[field.name] = raw;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}

/** The form field a domain error names (its `field`, such as input.amount), if the form has one. */
export function formFieldOf(form: EditForm, errorField: unknown): string | undefined {
  if (typeof errorField !== "string" || !errorField.startsWith("input")) return undefined;
  if (form.kind === "json") return JSON_FIELD;
  const name = errorField.slice("input.".length).split(/[.[]/)[0];
  return form.fields.some((f) => f.name === name) ? name : undefined;
}

/** The same form showing what the person typed, so a refused edit comes back as they left it. */
export function withValues(form: EditForm, values: FormValues): EditForm {
  if (form.kind === "json") return { kind: "json", value: values[JSON_FIELD] ?? form.value };
  return {
    kind: "fields",
    fields: form.fields.map((field): EditField => {
      const typed = values[field.name];
      if (typed === undefined) return field;
      if (field.kind === "boolean") {
        return { ...field, value: typed === "true" ? true : typed === "false" ? false : undefined };
      }
      return { ...field, value: typed };
    }),
  };
}
