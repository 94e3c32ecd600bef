// The agents' tool calls: make one (200 run, 202 waiting for a human, 403 denied) and read one, with
// `?wait=S` to hear of its next status change as it happens.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { expireApproval } from "../../../handlers/approvals/index.ts";
import { CodedError } from "../../../handlers/errors.ts";
import type { ToolCall } from "../../../sdk/types.ts";
import { findCallForWait } from "../../tool-calls/store.ts";
import { submitToolCall } from "../../tool-calls/submit.ts";
import { isSettled, presentToolCall } from "../../tool-calls/view.ts";
import { abortOnHangUp, longPoll, waitQuery } from "../../wait/long-poll.ts";
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";

const callBody = z.object({
  tool: z.string({ message: "required: the name of a Tool" }).min(1, "must not be empty"),
  input: z.record(z.string(), z.unknown(), { message: "must be a JSON object" }).default({}),
  idempotencyKey: z
    .string({ message: "must be a string" })
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .optional(),
});

/** 200 once run, 202 while it waits or runs, and a denied call as the 403 error CONTRACT.md shows. */
function answer(reply: FastifyReply, call: ToolCall) {
  if (call.status === "denied") {
    throw new CodedError("denied", call.error ?? `call ${call.id} was denied (${call.reason})`, {
      id: call.id,
      reason: call.reason,
      policy: call.policy,
      rule: call.rule,
    });
  }
  return reply.status(isSettled(call.status) ? 200 : 202).send(call);
}

export function toolCallRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { gateway } = ctx;

  app.post("/v1/tool-calls", async (request, reply) => {
    const principal = await ctx.auth.require(request, "agent");
    const body = parseWith(callBody, request.body);
    return answer(reply, await submitToolCall(gateway, { agent: principal.subject, ...body }));
  });

  app.get<{ Params: { id: string } }>("/v1/tool-calls/:id", async (request, reply) => {
    const principal = await ctx.auth.require(request, "agent", "operator", "admin");
    const { wait } = parseWith(waitQuery, request.query, "query");
    const { id } = request.params;
    const read = async () => {
      const found = await findCallForWait(ctx.deps.database.db, id);
      // Another agent's call is as good as absent.
      if (!found || (principal.kind === "agent" && found.call.agent !== principal.subject)) {
        throw new CodedError("not_found", `no tool call with id ${id}`);
      }
      return found;
    };
    const found = wait
      ? await longPoll({
          hub: gateway.hub,
          kind: "call",
          id,
          waitMs: wait * 1000,
          signal: abortOnHangUp(reply),
          read,
          peek: async () => {
            const look = await gateway.hub.peek("call", id);
            // Absent or another agent's: the full read answers (with its 404) at once.
            if (!look || (principal.kind === "agent" && look.agent !== principal.subject)) return undefined;
            return {
              status: look.status,
              dueAt: look.status === "waiting_for_approval" ? look.expiresAt : undefined,
            };
          },
          status: (f) => f.call.status,
          settled: isSettled,
          dueAt: (f) =>
            f.call.status === "waiting_for_approval" ? f.approvalExpiresAt?.getTime() : undefined,
          onDue: async () => {
            const found = await read();
            if (found.call.approvalId) await expireApproval(ctx.deps, found.call.approvalId);
          },
        })
      : await read();
    return presentToolCall(found.call);
  });
}
