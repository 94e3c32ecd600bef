// The agents' tool calls: make one (200 run, 202 waiting for a human, 403 denied) and read one, with
// `?wait=S` to hear of its next status change as it happens.
import type { FastifyInstance, FastifyReply } from "fastify";
import { CodedError } from "../../../handlers/errors.ts";
import type { ToolCall } from "../../../sdk/types.ts";
import { submitToolCall } from "../../submit/tool-call.ts";
import { findCallForWait } from "../../tool-calls/store.ts";
import { isSettled, presentToolCall } from "../../tool-calls/view.ts";
import { waitForCall } from "../../wait/waits.ts";
import { readCallBody } from "../call-body.ts";
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";
import { abortOnHangUp, waitQuery } from "../wait.ts";

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
    const body = readCallBody(request.body);
    const { call } = await submitToolCall(gateway, { agent: principal.subject, ...body });
    return answer(reply, call);
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
      ? await waitForCall({
          hub: gateway.hub,
          deps: ctx.deps,
          id,
          waitSeconds: wait,
          signal: abortOnHangUp(reply),
          visibleTo: principal.kind === "agent" ? principal.subject : undefined,
          read,
        })
      : await read();
    return presentToolCall(found.call);
  });
}
