// The agents' tool calls: make one (200 run, 202 waiting for a human, 403 denied) and read one, with
// `?wait=S` to hear of its next status change as it happens.
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { CodedError } from "../../../handlers/errors.ts";
import type { ToolCall } from "../../../sdk/types.ts";
import { submitToolCall } from "../../submit/tool-call.ts";
import { findCallForWait } from "../../tool-calls/store.ts";
import { isSettled, presentToolCall } from "../../tool-calls/view.ts";
import { waitForCall } from "../../wait/waits.ts";
import { apiRoute } from "../api-route.ts";
import { callBody, readCallBody } from "../call-body.ts";
import type { HttpContext } from "../context.ts";
import { toolCallShape } from "../shapes.ts";
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

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/tool-calls",
    summary: "Call a Tool through the gateway: run now (200), wait for a person (202), or denied (403)",
    keys: ["agent"],
    body: callBody,
    readBody: readCallBody,
    responses: {
      200: { description: "the call ran: succeeded, failed, or outcome_unknown", shape: toolCallShape },
      202: { description: "the call waits for approval (or is executing)", shape: toolCallShape },
    },
    errors: ["denied", "unknown_tool", "invalid_input", "no_route", "idempotency_key_reused", "rate_limited"],
    async handler({ principal, body }, _request, reply) {
      const { call } = await submitToolCall(gateway, { agent: principal.subject, ...body });
      return answer(reply, call);
    },
  });

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/tool-calls/:id",
    summary: "One tool call; ?wait=S answers as soon as its status changes",
    keys: ["agent", "operator", "admin"],
    params: z.object({ id: z.string().min(1) }),
    query: waitQuery,
    responses: { 200: { description: "the call", shape: toolCallShape } },
    errors: ["not_found"],
    async handler({ principal, params: { id }, query: { wait } }, _request, reply) {
      const read = async () => {
        // A lean call answered moments ago may still be on its way to the database from this process.
        const queued = gateway.finishedCalls.pending(id);
        const found = queued
          ? { call: queued, approvalExpiresAt: null }
          : await findCallForWait(ctx.deps.database.db, id);
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
    },
  });
}
