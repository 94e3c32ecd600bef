// The body of POST /v1/tool-calls. Every call passes through here, so the usual body is taken on a fast
// path; everything else goes through the zod schema, which says what is wrong.
import { z } from "zod";
import { parseWith } from "./errors.ts";
import { requestedBy } from "./fields.ts";

export const callBody = z.object({
  tool: z.string({ message: "required: the name of a Tool" }).min(1, "must not be empty"),
  input: z.record(z.string(), z.unknown(), { message: "must be a JSON object" }).default({}),
  idempotencyKey: z
    .string({ message: "must be a string" })
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .optional(),
  requestedBy: requestedBy.optional(),
});

export type CallBody = z.infer<typeof callBody>;

/**
 * Every call's body is read here, so the usual one ({tool, input, idempotencyKey?}, well-formed) is taken
 * as it is; any other (a bad field, requestedBy, extra keys) goes through zod, which gives the same value
 * or the 400 naming what is wrong.
 */
export function readCallBody(body: unknown): CallBody {
  if (typeof body === "object" && body !== null) {
    const { tool, input, idempotencyKey } = body as Record<string, unknown>;
    let fields = 2;
    if (idempotencyKey !== undefined) fields++;
    if (
      typeof tool === "string" &&
      tool.length > 0 &&
      typeof input === "object" &&
      input !== null &&
      !Array.isArray(input) &&
      (idempotencyKey === undefined ||
        (typeof idempotencyKey === "string" && idempotencyKey.length > 0 && idempotencyKey.length <= 200)) &&
      Object.keys(body).length === fields
    ) {
      return { tool, input: input as Record<string, unknown>, idempotencyKey };
    }
  }
  return parseWith(callBody, body);
}
