// The Tool spec: endpoint, side-effect facts and an optional JSON Schema for the input.
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { z } from "zod";
import { SIDE_EFFECT_LEVELS } from "../../../model/resources.ts";
import { expecting } from "./fields.ts";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object in types only.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export const toolSpec = z
  .strictObject({
    type: z.enum(["rest", "decision"], { error: expecting("expected rest or decision") }),
    endpoint: z
      .strictObject({
        url: z.url({ protocol: /^https?$/, error: expecting("expected an http(s) URL") }),
        method: z
          .string()
          .transform((m) => m.toUpperCase())
          .refine((m) => HTTP_METHODS.includes(m), { error: `expected one of ${HTTP_METHODS.join(", ")}` }),
        headers: z
          .record(z.string(), z.string({ error: expecting("expected a string header value") }))
          .default({}),
        timeoutMs: z
          .int({ error: expecting("expected a positive whole number of milliseconds") })
          .positive()
          .default(10_000),
      })
      .optional(),
    sideEffects: z.strictObject({
      level: z.enum(SIDE_EFFECT_LEVELS, {
        error: expecting(`expected one of ${SIDE_EFFECT_LEVELS.join(", ")}`),
      }),
      idempotent: z.boolean({ error: expecting("expected true or false") }).default(false),
      requiresApproval: z.boolean({ error: expecting("expected true or false") }).default(false),
    }),
    inputSchema: z
      .record(z.string(), z.unknown(), { error: expecting("expected a JSON Schema object") })
      .superRefine((schema, ctx) => {
        const problem = jsonSchemaProblem(schema);
        if (problem) ctx.addIssue({ code: "custom", message: `not a valid JSON Schema: ${problem}` });
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.type === "rest" && !spec.endpoint) {
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "required for a rest tool" });
    }
    if (spec.type === "decision" && spec.endpoint) {
      ctx.addIssue({ code: "custom", path: ["endpoint"], message: "a decision tool has no endpoint" });
    }
  });

function jsonSchemaProblem(schema: Record<string, unknown>): string | undefined {
  // A fresh Ajv each time: a shared one would reject two tools whose schemas reuse an $id.
  const ajv = addFormats(new Ajv({ allErrors: true }));
  try {
    ajv.compile(schema);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
