// GET /console/approvals/{id}: one approval in full; the cards' "Full record" link. Also renders the page
// after a decision made from it, with what happened on top.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ApprovalPageProps, approvalPage } from "../../../blocks/html/approval.tsx";
import { findCall } from "../../../gateway/tool-calls/store.ts";
import { presentToolCall } from "../../../gateway/tool-calls/view.ts";
import { getApproval, isApprover, OVERRIDE_GRANT } from "../../../handlers/approvals/index.ts";
import { listAudit } from "../../../handlers/audit.ts";
import { listDeliveries } from "../../../outbox/read.ts";
import { HTML, type WebContext } from "../context.ts";
import { viewerOf } from "../viewer.ts";

/** The Roles granting overrides that this person belongs to. */
function overrideRolesOf(web: WebContext, email: string): string[] {
  const roles = [...web.deps.resources().roles.values()];
  return roles
    .filter(
      (r) => r.grants.includes(OVERRIDE_GRANT) && r.members.some((m) => m.email.toLowerCase() === email),
    )
    .map((r) => r.name);
}

/** The approval's page as the signed-in person sees it (throws not_found for an unknown id). */
export async function renderApproval(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  extra: Pick<ApprovalPageProps, "notice" | "editText"> = {},
): Promise<string> {
  const { db } = web.deps.database;
  const approval = await getApproval(web.deps, id);
  const [deliveries, call, audit, pending] = await Promise.all([
    listDeliveries(db, id),
    approval.toolCallId ? findCall(db, approval.toolCallId) : null,
    listAudit(db, { approvalId: id, limit: 200 }),
    // After a decision made here, the count it changed.
    web.feed.pendingCount({ fresh: request.method === "POST" }),
  ]);
  const viewer = viewerOf(request, reply);
  return approvalPage({
    viewer,
    pending,
    approval,
    deliveries,
    toolCall: call ? presentToolCall(call) : null,
    audit: audit.items,
    mayDecide: isApprover(approval, { email: viewer.email }),
    overrideRoles: overrideRolesOf(web, viewer.email),
    ...extra,
  });
}

export function approvalRoutes(scope: FastifyInstance, web: WebContext): void {
  scope.get<{ Params: { id: string } }>("/approvals/:id", async (request, reply) =>
    reply.type(HTML).send(await renderApproval(web, request, reply, request.params.id)),
  );
}
