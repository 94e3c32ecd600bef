// The server's refusals, said so a person at a terminal knows what happened and what to do next.
// Every path ends in a CliError (exit 1); the server's own message is kept, with the decision or hint added.

import { standingDecision } from "../blocks/decision.ts";
import type { Decision } from "../sdk/types.ts";
import type { Connection } from "./client.ts";
import { ApiError, CliError } from "./errors.ts";
import type { Io } from "./io.ts";
import { relativeTime } from "./render/time.ts";

/** approvalId names the approval in the "already decided" message. */
export function explainRefusal(err: unknown, io: Io, conn: Connection, approvalId?: string): never {
  if (!(err instanceof ApiError)) throw err;
  switch (err.code) {
    case "already_decided": {
      const d = err.body.decision as Decision | undefined;
      if (!d) break;
      throw new CliError(`refused: ${standing(approvalId ?? "the approval", d, io.now())}`);
    }
    case "unauthorized":
      throw new CliError(`${err.message} (the key from ${conn.keySource}, sent to ${conn.url})`);
    case "forbidden":
      throw new CliError(
        `${err.message} (the key from ${conn.keySource})${forbiddenHint(err.message, conn)}`,
      );
    case "rationale_required":
      throw new CliError(`refused: ${err.message}; add --rationale "…"`);
    case "not_an_approver":
    case "self_approval":
    case "already_approved_by_you":
    case "edits_not_allowed":
    case "invalid_input":
    case "not_permitted":
    case "override_limit":
    case "reason_required":
      throw new CliError(`refused: ${err.message}`);
  }
  throw new CliError(err.message);
}

/** "approval-x was already approved by ana@example.com 2m ago via cli: “Refund eligibility confirmed.”" */
function standing(id: string, d: Decision, now: Date): string {
  return standingDecision(id, d, { when: (iso) => relativeTime(iso, now), via: true, rationale: true });
}

/** What to do about a key of the wrong kind. */
function forbiddenHint(message: string, conn: Connection): string {
  if (message.includes("needs an admin key") && conn.keySource === "COUNTERSIGN_KEY") {
    return "; on the server's machine, run it with COUNTERSIGN_KEY unset to use the admin.key in its data folder";
  }
  if (message.includes("operator key")) {
    return "; act as yourself with an operator key: countersign keys create --operator EMAIL";
  }
  return "";
}
