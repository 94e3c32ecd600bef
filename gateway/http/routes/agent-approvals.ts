// POST /v1/approvals: an agent asks for a human's approval of an action (the SDK's requireApproval).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { createAgentApproval } from "../../submit/agent-approval.ts";
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";
import { requestedBy } from "../fields.ts";

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
  app.post("/v1/approvals", async (request, reply) => {
    const principal = await ctx.auth.require(request, "agent");
    const body = parseWith(approvalBody, request.body);
    const approval = await createAgentApproval(ctx.gateway, { agent: principal.subject, ...body });
    return reply.status(201).send(approval);
  });
}
