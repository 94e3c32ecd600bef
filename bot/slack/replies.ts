// The one error path of the Slack listeners: a coded error becomes its message for the person, anything
// else is logged and answered with a generic line.
import type { Logger } from "pino";
import { isCodedError } from "../../handlers/errors.ts";

const ICONS: Record<string, string> = {
  not_an_approver: ":no_entry:",
  self_approval: ":no_entry:",
  not_permitted: ":no_entry:",
  forbidden: ":no_entry:",
  already_decided: ":information_source:",
  already_approved_by_you: ":information_source:",
  override_limit: ":octagonal_sign:",
  not_found: ":grey_question:",
};

export function errorText(err: unknown, logger: Logger): string {
  if (isCodedError(err)) return `${ICONS[err.code] ?? ":warning:"} ${err.message}`;
  logger.error({ err }, "slack request failed");
  return ":warning: Something went wrong on the Countersign side; the server log has the details.";
}
