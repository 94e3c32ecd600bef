// Field schemas shared by several kinds, and the message helper every schema words its errors with.
import { z } from "zod";

export const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
export const EMAIL = /^[^\s@:]+@[^\s@]+\.[^\s@]+$/;

/** A schema-level message that still says "required" when the field is missing altogether. */
export const expecting =
  (message: string) =>
  (issue: { code: string; input?: unknown }): string =>
    issue.code === "invalid_type" && issue.input === undefined ? "required" : message;

export const name = z.string({ error: expecting("expected a name") }).regex(NAME, {
  error: "expected a name of letters, digits, '.', '_' or '-', starting and ending with a letter or digit",
});
export const email = z
  .string({ error: expecting("expected an email address") })
  .regex(EMAIL, { error: "expected an email address" })
  .transform((s) => s.toLowerCase());
export const labels = z.record(z.string(), z.string({ error: expecting("expected a string label value") }));
export const positiveNumber = z
  .number({ error: expecting("expected a positive number") })
  .positive({ error: "expected a positive number" });
