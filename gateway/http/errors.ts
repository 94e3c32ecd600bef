// The one error path of the HTTP API: every failure becomes {"error": {"code", "message", …}} with the
// status its code maps to. Unexpected errors are logged and answered 500 without their details.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { CodedError, isCodedError } from "../../handlers/errors.ts";
import type { ErrorBody } from "../../sdk/types.ts";

export function errorBody(err: CodedError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...err.details } };
}

/** Maps framework and validation errors to coded ones. */
export function asCodedError(err: unknown): CodedError | null {
  if (isCodedError(err)) return err;
  const e = err as Partial<FastifyError>;
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new CodedError("payload_too_large", "request body is larger than 1 MiB");
  }
  if (e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new CodedError("bad_request", "send the body as application/json");
  }
  if (
    e.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    e.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    e instanceof SyntaxError
  ) {
    return new CodedError("invalid_json", `request body is not valid JSON: ${e.message}`);
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    return new CodedError("bad_request", e.message ?? "bad request");
  }
  return null;
}

export function handleError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const coded = asCodedError(err);
  if (coded) {
    const retryAfter = coded.details.retryAfterSeconds;
    if (typeof retryAfter === "number") void reply.header("retry-after", String(retryAfter));
    return reply.status(coded.status).send(errorBody(coded));
  }
  request.log.error({ err }, "request failed");
  const internal = new CodedError("internal", "internal error; the server log has the details");
  return reply.status(500).send(errorBody(internal));
}

/** Validates a body or query with zod; the 400 names the first bad field and why. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what = "body"): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join(".") : what;
  throw new CodedError("bad_request", `${field}: ${issue.message}`);
}
