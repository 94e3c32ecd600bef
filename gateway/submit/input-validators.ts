// Tool inputSchema checks, compiled on a tool's first call and kept with the Tool object, so a call pays
// one function call. A Tool's own schema was checked when the resources loaded. An MCP tool's comes from
// its server: it is compiled leniently (keywords Ajv does not know are ignored, so a check can only be
// looser than the server's own), and one Ajv cannot compile is left to the server to enforce.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { CodedError } from "../../handlers/errors.ts";
import type { ToolResource } from "../../model/resources.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type InputCheck = (tool: ToolResource, input: unknown) => void;

export function compileInputChecks(onUncompilable: (tool: string, err: unknown) => void): InputCheck {
  const validators = new WeakMap<ToolResource, ValidateFunction | null>();
  const validatorOf = (tool: ToolResource): ValidateFunction | null => {
    let validate = validators.get(tool);
    if (validate === undefined) {
      validate = tool.inputSchema ? compile(tool, onUncompilable) : null;
      validators.set(tool, validate);
    }
    return validate;
  };
  return (tool, input) => {
    const validate = validatorOf(tool);
    if (!validate || validate(input)) return;
    const error = validate.errors![0]!;
    const field = fieldOf(error);
    throw new CodedError("invalid_input", `${field}: ${describe(error)}`, { field });
  };
}

function compile(
  tool: ToolResource,
  onUncompilable: (tool: string, err: unknown) => void,
): ValidateFunction | null {
  if (tool.type !== "mcp") {
    // One Ajv per tool: two tools' schemas may reuse an $id.
    return addFormats(new Ajv({ allErrors: false })).compile(tool.inputSchema!);
  }
  // The draft a server names ($schema) need not be Ajv's default; the keywords read alike.
  const { $schema: _draft, ...schema } = tool.inputSchema!;
  try {
    return addFormats(new Ajv({ allErrors: false, strict: false, logger: false })).compile(schema);
  } catch (err) {
    onUncompilable(tool.name, err);
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
