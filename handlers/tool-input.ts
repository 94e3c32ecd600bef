// Tool inputSchema checks, compiled on a tool's first check and kept with the Tool object, so a call pays
// one function call. Two places check an input against its Tool: the gateway, before policy sees a call,
// and the domain, when an approver approves with an edited input (the edit must be as valid as what an
// agent may send). A Tool's own schema was checked when the resources loaded. An MCP tool's comes from
// its server: it is compiled leniently (keywords Ajv does not know are ignored, so a check can only be
// looser than the server's own), and one Ajv cannot compile is left to the server to enforce.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { ResourceSet, ToolResource } from "../model/resources.ts";
import { CodedError } from "./errors.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type InputCheck = (tool: string, input: unknown) => void;

const compiled = new WeakMap<ResourceSet, InputCheck>();

/** The input checks of a resource set, compiled as tools are first checked and shared by everyone after. */
export function toolInputCheck(resources: ResourceSet): InputCheck {
  let check = compiled.get(resources);
  if (!check) {
    check = compileInputChecks(resources);
    compiled.set(resources, check);
  }
  return check;
}

function compileInputChecks(resources: ResourceSet): InputCheck {
  // Keyed by the Tool object: an McpServer's tools are replaced when it lists them again.
  const validators = new WeakMap<ToolResource, ValidateFunction | null>();
  return (name, input) => {
    const tool = resources.tools.get(name);
    if (tool) refuseFixedQueryParameters(tool, input);
    if (!tool?.inputSchema) return;
    let validate = validators.get(tool);
    if (validate === undefined) {
      validate = compile(tool);
      validators.set(tool, validate);
    }
    if (!validate || validate(input)) return;
    const error = validate.errors![0]!;
    const field = fieldOf(error);
    throw new CodedError("invalid_input", `${field}: ${describe(error)}`, { field });
  };
}

/** A GET tool's input becomes query parameters: none may name one its URL fixes (`?tenant=acme`). */
function refuseFixedQueryParameters(tool: ToolResource, input: unknown): void {
  const endpoint = tool.endpoint;
  if (endpoint?.method.toUpperCase() !== "GET" || !endpoint.url.includes("?")) return;
  if (typeof input !== "object" || input === null) return;
  const fixed = new URL(endpoint.url).searchParams;
  const clash = Object.keys(input).find((key) => fixed.has(key));
  if (clash === undefined) return;
  const field = `input.${clash}`;
  throw new CodedError("invalid_input", `${field}: is fixed by the Tool's URL and cannot be set by a call`, {
    field,
  });
}

function compile(tool: ToolResource): ValidateFunction | null {
  if (tool.type !== "mcp") {
    // One Ajv per tool: two tools' schemas may reuse an $id.
    return addFormats(new Ajv({ allErrors: false })).compile(tool.inputSchema!);
  }
  // The draft a server names ($schema) need not be Ajv's default; the keywords read alike.
  const { $schema: _draft, ...schema } = tool.inputSchema!;
  try {
    return addFormats(new Ajv({ allErrors: false, strict: false, logger: false })).compile(schema);
  } catch {
    return null;
  }
}

/** input.amount, input.items.0.sku, or input itself: the place a person would look. */
function fieldOf(error: ErrorObject): string {
  const parts = error.instancePath.split("/").slice(1).map(unescapePointer);
  if (error.keyword === "required") parts.push(String(error.params.missingProperty));
  return ["input", ...parts].join(".");
}

function describe(error: ErrorObject): string {
  if (error.keyword === "required") return "is required";
  if (error.keyword === "additionalProperties") {
    return `has an unexpected property ${JSON.stringify(error.params.additionalProperty)}`;
  }
  return error.message ?? "is not valid";
}

function unescapePointer(part: string): string {
  return part.replaceAll("~1", "/").replaceAll("~0", "~");
}
