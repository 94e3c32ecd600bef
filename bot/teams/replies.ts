// The one error path of the Teams handlers: a coded error becomes its message for the person, anything
// else is logged and answered with a generic line.
import type { Logger } from "pino";
import type { CardNotice } from "../../blocks/adaptive.ts";
import { isCodedError } from "../../handlers/errors.ts";

export function errorNotice(err: unknown, logger: Logger): CardNotice {
  if (isCodedError(err)) {
    const standing = err.code === "already_decided" || err.code === "already_approved_by_you";
    return { tone: standing ? "info" : "error", text: err.message };
  }
  logger.error({ err }, "teams request failed");
  return {
    tone: "error",
    text: "Something went wrong on the Countersign side; the server log has the details.",
  };
}
