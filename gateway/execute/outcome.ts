// What one attempt means for the call: done (and how), or worth another try. Only an idempotent tool is
// ever tried again; for any other tool a request that may have reached it ends as outcome_unknown.
import type { Outcome } from "../tool-calls/store.ts";
import type { Attempt } from "./http-call.ts";

export type Verdict = { outcome: Outcome; retry: boolean };

export function judgeAttempt(attempt: Attempt, idempotent: boolean): Verdict {
  switch (attempt.kind) {
    case "answered":
      if (attempt.status < 400) {
        return {
          outcome: { status: "succeeded", result: attempt.body, error: null, reason: null },
          retry: false,
        };
      }
      return {
        outcome: {
          status: "failed",
          result: { status: attempt.status, body: attempt.body },
          error: `the tool answered HTTP ${attempt.status}`,
          reason: "tool_error",
        },
        // Overload and server errors may pass; a 4xx says the request itself is wrong.
        retry: idempotent && (attempt.status >= 500 || attempt.status === 429 || attempt.status === 408),
      };
    case "not_sent":
      return {
        outcome: { status: "failed", result: null, error: attempt.error, reason: "unreachable" },
        retry: idempotent,
      };
    case "interrupted": {
      const reason = attempt.timedOut ? "timeout" : "connection_lost";
      if (idempotent) {
        return { outcome: { status: "failed", result: null, error: attempt.error, reason }, retry: true };
      }
      return {
        outcome: {
          status: "outcome_unknown",
          result: null,
          error: `${attempt.error}; the tool may or may not have acted, and a non-idempotent call is never sent twice`,
          reason,
        },
        retry: false,
      };
    }
  }
}

/** The stored outcome of a non-idempotent call whose process died while it was in flight. */
export const DIED_MID_CALL: Outcome = {
  status: "outcome_unknown",
  result: null,
  error:
    "the process running this call stopped before the tool answered; the tool may or may not have acted, " +
    "and a non-idempotent call is never sent twice",
  reason: "process_died",
};
