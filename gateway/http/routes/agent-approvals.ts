// POST /v1/approvals: an agent asks for a human's approval of an action (the SDK's requireApproval).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { createAgentApproval } from "../../submit/agent-approval.ts";
import { apiRoute } from "../api-route.ts";
import type { HttpContext } from "../context.ts";
import { requestedBy } from "../fields.ts";
import { approvalShape } from "../shapes.ts";

const approvalBody = z.object({
  action: z
    .string({ message: "required: the name of the action to approve" })
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters"),
  context: z.record(z.string(), z.unknown(), { message: "must be a JSON object" }).default({}),
  timeoutMs: z
    .number({ message: "must be a number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .positive("must be more than 0")
    .optional(),
  requestedBy: requestedBy.optional(),
});

export function agentApprovalRoutes(app: FastifyInstance, ctx: HttpContext) {
  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/approvals",
    summary: "Ask a person to approve an action (the SDK's requireApproval)",
    keys: ["agent"],
    body: approvalBody,
    responses: { 201: { description: "the pending approval", shape: approvalShape } },
    errors: ["denied", "no_route", "rate_limited"],
    async handler({ principal, body }, _request, reply) {
      const approval = await createAgentApproval(ctx.gateway, { agent: principal.subject, ...body });
      return reply.status(201).send(approval);
    },
  });
}
