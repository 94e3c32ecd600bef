// `?wait=S` over HTTP: the query parameter, and a hang-up as the signal that ends the wait early. The
// wait itself (gateway/wait/) knows nothing of HTTP.
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { MAX_WAIT_SECONDS } from "../wait/long-poll.ts";

export const waitQuery = z.object({
  wait: z.coerce
    .number({ message: "must be a number of seconds" })
    .min(0, "must be 0 or more seconds")
    .max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} seconds`)
    .optional(),
});

/** Aborts when the client hangs up before the answer is sent. */
export function abortOnHangUp(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
