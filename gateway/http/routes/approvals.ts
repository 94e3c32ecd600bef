// The approvers' API: the queue, one approval, decide, bulk decide, override.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import {
  bulkDecide,
  decide,
  getApproval,
  listQueue,
  override,
  STATUS_FILTERS,
} from "../../../handlers/approvals/index.ts";
import { CodedError } from "../../../handlers/errors.ts";
import { listDeliveries } from "../../../outbox/read.ts";
import type { Approval } from "../../../sdk/types.ts";
import { waitForApproval } from "../../wait/waits.ts";
import { apiRoute } from "../api-route.ts";
import type { HttpContext } from "../context.ts";
import { approvalPageShape, approvalShape, bulkDecideShape } from "../shapes.ts";
import { abortOnHangUp, waitQuery } from "../wait.ts";

const decision = z.enum(["approve", "reject"], { message: "must be approve or reject" });
const via = z.enum(["api", "cli", "web"]).default("api");

const listQuery = z.object({
  status: z.enum(STATUS_FILTERS).default("pending"),
  agent: z.string().optional(),
  tool: z.string().optional(),
  mine: z.enum(["true", "false"]).optional(),
  order: z.enum(["newest", "urgent"]).default("newest"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().optional(),
});

// How long a rationale or reason may be is the domain's rule (RATIONALE_MAX), refused there with 400; so
// is what an edited input must be (edits allowed, a JSON object, valid for the Tool): 422 from there.
const decideBody = z.object({
  decision,
  rationale: z.string().optional(),
  via,
  input: z.unknown().optional(),
});
const bulkBody = z.object({
  ids: z.array(z.string()).min(1).max(200),
  decision,
  rationale: z.string().optional(),
  via,
});
const overrideBody = z.object({
  decision,
  grantBy: z.string().min(1, "names the Role granting the override"),
  reason: z.string().optional(),
  via,
});

const idParams = z.object({ id: z.string().min(1) });

export function approvalRoutes(app: FastifyInstance, ctx: HttpContext) {
  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/approvals",
    summary: "The approval queue, newest (or most urgent) first, with each one's SLA state",
    keys: ["operator", "admin"],
    query: listQuery,
    responses: { 200: { description: "one page of approvals", shape: approvalPageShape } },
    async handler({ principal, query: q }) {
      return listQueue(ctx.deps, {
        ...q,
        approver:
          q.mine === "true" && principal.kind === "operator" ? { email: principal.subject } : undefined,
      });
    },
  });

  apiRoute(app, ctx.auth, {
    method: "GET",
    url: "/v1/approvals/:id",
    summary: "One approval with its decision; ?wait=S answers as soon as it changes",
    keys: ["agent", "operator", "admin"],
    params: idParams,
    query: waitQuery,
    responses: { 200: { description: "the approval", shape: approvalShape } },
    errors: ["not_found"],
    async handler({ principal, params, query: { wait } }, _request, reply) {
      const read = async () => {
        const approval = await getApproval(ctx.deps, params.id);
        // An agent sees only its own approvals; another agent's are as good as absent.
        if (principal.kind === "agent" && approval.agent !== principal.subject) {
          throw new CodedError("not_found", `no approval with id ${params.id}`);
        }
        return approval;
      };
      const approval = wait
        ? await waitForApproval({
            hub: ctx.gateway.hub,
            deps: ctx.deps,
            id: params.id,
            waitSeconds: wait,
            signal: abortOnHangUp(reply),
            visibleTo: principal.kind === "agent" ? principal.subject : undefined,
            read,
          })
        : await read();
      if (principal.kind === "agent") return approval;
      // Operators and admins also see where the card went and how each copy fared (describe approval).
      const record: Approval = {
        ...approval,
        deliveries: await listDeliveries(ctx.deps.database.db, approval.id),
      };
      return record;
    },
  });

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/approvals/:id",
    summary: "Decide an approval (approve or reject, with a rationale; an edited input where allowed)",
    keys: ["operator"],
    params: idParams,
    body: decideBody,
    responses: { 200: { description: "the approval after the decision", shape: approvalShape } },
    errors: [
      "not_found",
      "already_decided",
      "already_approved_by_you",
      "not_an_approver",
      "self_approval",
      "rationale_required",
      "edits_not_allowed",
      "invalid_input",
    ],
    async handler({ principal, params, body }) {
      return decide(ctx.deps, {
        approvalId: params.id,
        decision: body.decision,
        rationale: body.rationale,
        via: body.via,
        actor: { email: principal.subject },
        ...(body.input !== undefined && { input: body.input }),
      });
    },
  });

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/approvals/bulk-decide",
    summary: "Decide several approvals at once; one outcome per id, in the order asked",
    keys: ["operator"],
    body: bulkBody,
    responses: { 200: { description: "one result per id", shape: bulkDecideShape } },
    async handler({ principal, body }) {
      return bulkDecide(ctx.deps, { ...body, actor: { email: principal.subject } });
    },
  });

  apiRoute(app, ctx.auth, {
    method: "POST",
    url: "/v1/approvals/:id/override",
    summary: "Break-glass: decide under a Role granting approvals.override",
    keys: ["operator"],
    params: idParams,
    body: overrideBody,
    responses: { 200: { description: "the approval after the override", shape: approvalShape } },
    errors: ["not_found", "already_decided", "not_permitted", "reason_required", "override_limit"],
    async handler({ principal, params, body }) {
      return override(ctx.deps, {
        approvalId: params.id,
        decision: body.decision,
        grantBy: body.grantBy,
        reason: body.reason,
        via: body.via,
        actor: { email: principal.subject },
      });
    },
  });
}
