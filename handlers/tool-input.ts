// Tool inputSchema checks, compiled once when the gateway is built, so a call pays one function call.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { CodedError } from "../../handlers/errors.ts";
import type { ResourceSet } from "../../model/resources.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type InputCheck = (tool: string, input: unknown) => void;

export function compileInputChecks(resources: ResourceSet): InputCheck {
  const validators = new Map<string, ValidateFunction>();
  for (const tool of resources.tools.values()) {
    if (!tool.inputSchema) continue;
    // One Ajv per tool: two tools' schemas may reuse an $id.
    validators.set(tool.name, addFormats(new Ajv({ allErrors: false })).compile(tool.inputSchema));
  }
  return (tool, input) => {
    const validate = validators.get(tool);
    if (!validate || validate(input)) return;
    const error = validate.errors![0]!;
    const field = fieldOf(error);
    throw new CodedError("invalid_input", `${field}: ${describe(error)}`, { field });
  };
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
