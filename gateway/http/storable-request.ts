// PostgreSQL stores no NUL (U+0000), no lone UTF-16 surrogate, and no JSON nested past its stack, so a
// value holding one fails deep inside a write: a 500 instead of a 400, and for an allowed idempotent call
// only after the tool already ran. Such values are refused at the API's edge, before anything happens,
// naming the field (what counts as storable: handlers/storable-json.ts).
import type { FastifyRequest } from "fastify";
import { CodedError } from "../../handlers/errors.ts";
import { describeUnstorable, findUnstorable } from "../../handlers/storable-json.ts";

/** Throws a 400 naming the first path parameter, query field or body field that cannot be stored. */
export function refuseUnstorable(request: FastifyRequest): void {
  for (const part of [request.params, request.query, request.body]) {
    const found = findUnstorable(part);
    if (found) throw new CodedError("bad_request", describeUnstorable(found, ""));
  }
}
