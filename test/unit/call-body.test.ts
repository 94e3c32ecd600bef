// The tool-call body's fast path must accept exactly what the zod schema accepts, with the same value,
// and leave every refusal (and its message) to zod: checked over generated bodies, well-formed or not.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callBody, readCallBody } from "../../gateway/http/call-body.ts";
import { parseWith } from "../../gateway/http/errors.ts";

function outcome(read: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: read() };
  } catch (err) {
    return { error: `${(err as { code?: string }).code}: ${(err as Error).message}` };
  }
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.string({ minLength: 199, maxLength: 201 }),
  fc.constant(""),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.constant("ana@example.com"),
);

// Each field is mostly well-formed, so bodies near the edges of the fast path (a 200- or 201-character
// key, an extra field beside good ones) come up often.
const body = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        tool: fc.oneof(fc.constantFrom("ticket.triage", "x"), anyValue),
        input: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
          anyValue,
        ),
        idempotencyKey: fc.oneof(
          fc.string({ minLength: 199, maxLength: 201 }),
          fc.string({ maxLength: 2 }),
          anyValue,
        ),
        requestedBy: anyValue,
        extra: anyValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

describe("POST /v1/tool-calls body", () => {
  it("reads every body as the zod schema does: the same value, or the same 400", () => {
    fc.assert(
      fc.property(body, (b) => {
        expect(outcome(() => readCallBody(b))).toEqual(outcome(() => parseWith(callBody, b)));
      }),
      { numRuns: 2_000 },
    );
  });

  it("takes the usual body as it came", () => {
    const b = { tool: "ticket.triage", input: { ticket: "T-1" }, idempotencyKey: "k-1" };
    expect(readCallBody(b)).toEqual(b);
    expect(() => readCallBody({ tool: "", input: {} })).toThrow("tool: must not be empty");
  });
});
