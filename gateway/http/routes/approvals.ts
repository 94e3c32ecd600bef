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
import type { HttpContext } from "../context.ts";
import { parseWith } from "../errors.ts";
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

export function approvalRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get("/v1/approvals", async (request) => {
    const principal = await ctx.auth.require(request, "operator", "admin");
    const q = parseWith(listQuery, request.query, "query");
    return listQueue(ctx.deps, {
      ...q,
      approver: q.mine === "true" && principal.kind === "operator" ? { email: principal.subject } : undefined,
    });
  });

  app.get<{ Params: { id: string } }>("/v1/approvals/:id", async (request, reply) => {
    const principal = await ctx.auth.require(request, "agent", "operator", "admin");
    const { wait } = parseWith(waitQuery, request.query, "query");
    const read = async () => {
      const approval = await getApproval(ctx.deps, request.params.id);
      // An agent sees only its own approvals; another agent's are as good as absent.
      if (principal.kind === "agent" && approval.agent !== principal.subject) {
        throw new CodedError("not_found", `no approval with id ${request.params.id}`);
      }
      return approval;
    };
    const approval = wait
      ? await waitForApproval({
          hub: ctx.gateway.hub,
          deps: ctx.deps,
          id: request.params.id,
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
  });

  app.post<{ Params: { id: string } }>("/v1/approvals/:id", async (request) => {
    const principal = await ctx.auth.require(request, "operator");
    const body = parseWith(decideBody, request.body);
    return decide(ctx.deps, {
      approvalId: request.params.id,
      decision: body.decision,
      rationale: body.rationale,
      via: body.via,
      actor: { email: principal.subject },
      ...(body.input !== undefined && { input: body.input }),
    });
  });

  app.post("/v1/approvals/bulk-decide", async (request) => {
    const principal = await ctx.auth.require(request, "operator");
    const body = parseWith(bulkBody, request.body);
    return bulkDecide(ctx.deps, { ...body, actor: { email: principal.subject } });
  });

  app.post<{ Params: { id: string } }>("/v1/approvals/:id/override", async (request) => {
    const principal = await ctx.auth.require(request, "operator");
    const body = parseWith(overrideBody, request.body);
    return override(ctx.deps, {
      approvalId: request.params.id,
      decision: body.decision,
      grantBy: body.grantBy,
      reason: body.reason,
      via: body.via,
      actor: { email: principal.subject },
    });
  });
}
