// Checks real answers against GET /openapi.json: the route (path template and method) must be in the
// document, the status among its responses, and the body valid against that response's schema (OpenAPI
// 3.1 schemas are JSON Schema 2020-12, checked with Ajv). Used by the OpenAPI test and the fuzz test.
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";

const addFormats = ajvFormats.default;
const DOC_ID = "countersign-openapi";

interface Operation {
  responses: Record<string, { content?: Record<string, unknown> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

export interface Conformance {
  /** The document's path template a concrete path matches, or undefined. */
  template(path: string): string | undefined;
  /** Problems with one answer, in words; [] when it conforms. */
  check(method: string, path: string, status: number, body: unknown): string[];
}

export function conformance(doc: unknown): Conformance {
  const { paths } = doc as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, DOC_ID);
  const templates = Object.keys(paths).map((t) => ({
    t,
    re: new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]*")}$`),
    // Static segments win over parameters (/v1/approvals/bulk-decide over /v1/approvals/{id}).
    params: (t.match(/\{/g) ?? []).length,
  }));
  templates.sort((a, b) => a.params - b.params);
  const pointer = (...parts: string[]) =>
    parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
  const template = (path: string) => templates.find((x) => x.re.test(path.split("?")[0]!))?.t;
  return {
    template,
    check(method, path, status, body) {
      const t = template(path);
      if (!t) return [`${method} ${path}: no path in the document`];
      const op = paths[t]![method.toLowerCase()];
      if (!op) return [`${method} ${t}: no such operation in the document`];
      const response = op.responses[String(status)];
      if (!response)
        return [`${method} ${t}: status ${status} is not among ${Object.keys(op.responses).join(", ")}`];
      const ref = `${DOC_ID}#/${pointer("paths", t, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema")}`;
      const validate = ajv.getSchema(ref);
      if (!validate) return [`${method} ${t} ${status}: no JSON schema`];
      if (validate(body)) return [];
      return (validate.errors ?? [])
        .slice(0, 3)
        .map(
          (e) =>
            `${method} ${t} ${status}: ${e.instancePath || "body"} ${e.message} (${JSON.stringify(body).slice(0, 200)})`,
        );
    },
  };
}
