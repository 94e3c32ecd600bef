// PostgreSQL stores no NUL character (U+0000) in text or jsonb, so a value holding one fails deep inside a
// write: a 500 instead of a 400, and for an allowed idempotent call only after the tool already ran.
// Such values are refused at the API's edge, before anything happens, naming the field.
import type { FastifyRequest } from "fastify";
import { CodedError } from "../../handlers/errors.ts";

/** Whether any key or string value holds U+0000: the check every request pays, allocating nothing. */
function holdsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) {
    for (const inner of value) if (holdsNul(inner)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes("\u0000") || holdsNul((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** The path of the first key or string value holding U+0000, or undefined when there is none. */
export function nulPath(value: unknown, path: string[] = []): string[] | undefined {
  if (path.length === 0 && !holdsNul(value)) return undefined;
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (typeof value !== "object" || value === null || Buffer.isBuffer(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = [...path, key.replaceAll("\u0000", "\\u0000")];
    if (key.includes("\u0000")) return at;
    const found = nulPath(inner, at);
    if (found) return found;
  }
  return undefined;
}

/** Throws a 400 naming the first path parameter, query field or body field that holds U+0000. */
export function refuseNul(request: FastifyRequest): void {
  for (const part of [request.params, request.query, request.body]) {
    const found = nulPath(part);
    if (found) {
      throw new CodedError(
        "bad_request",
        `${found.join(".") || "body"}: must not contain the NUL character (\\u0000)`,
      );
    }
  }
}
