// Tool inputSchema checks, compiled once per resource set, so a call pays one function call. Two places
// check an input against its Tool: the gateway, before policy sees a call, and the domain, when an
// approver approves with an edited input (the edit must be as valid as what an agent may send).
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { ResourceSet } from "../model/resources.ts";
import { CodedError } from "./errors.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type InputCheck = (tool: string, input: unknown) => void;

const compiled = new WeakMap<ResourceSet, InputCheck>();

/** The input checks of a resource set, compiled on first use and shared by everyone after. */
export function toolInputCheck(resources: ResourceSet): InputCheck {
  let check = compiled.get(resources);
  if (!check) {
    check = compileInputChecks(resources);
    compiled.set(resources, check);
  }
  return check;
}

function compileInputChecks(resources: ResourceSet): InputCheck {
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
