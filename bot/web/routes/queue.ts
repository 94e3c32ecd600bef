// GET /console/approvals: Pending (most urgent first) or History (?tab=history, newest first), filtered
// by agent, tool and "waiting for me", paged by the queue's own keyset cursor (so page 200 of 10,000
// pending costs what page 1 does). POST /console/approvals/bulk: the ticked rows, one shared rationale.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type QueueFilters, type QueueProps, queuePage } from "../../../blocks/html/queue.tsx";
import { bulkDecide, isApprover, listQueue } from "../../../handlers/approvals/index.ts";
import { CodedError } from "../../../handlers/errors.ts";
import type { Approval } from "../../../sdk/types.ts";
import { HTML, type WebContext } from "../context.ts";
import { viewerOf } from "../viewer.ts";

const PAGE_SIZE = 50;

const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export function filtersOf(query: Record<string, unknown>): QueueFilters {
  return {
    agent: str(query.agent),
    tool: str(query.tool),
    mine: query.mine === "1" || query.mine === "true",
  };
}

/** Renders a tab of the queue for the signed-in person (with the outcome of a bulk decision, if any). */
export async function renderQueue(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  extra: Pick<QueueProps, "bulk" | "notice"> = {},
): Promise<string> {
  const query = (request.method === "GET" ? request.query : {}) as Record<string, unknown>;
  const tab = query.tab === "history" ? "history" : "pending";
  const filters = filtersOf(query);
  const cursor = str(query.cursor);
  const viewer = viewerOf(request, reply);
  const actor = { email: viewer.email };
  const [page, pending] = await Promise.all([
    listQueue(web.deps, {
      status: tab === "history" ? "decided" : "pending",
      order: tab === "history" ? "newest" : "urgent",
      agent: filters.agent,
      tool: filters.tool,
      approver: filters.mine ? actor : undefined,
      limit: PAGE_SIZE,
      cursor,
    }),
    // After a decision made here, the count it changed.
    web.feed.pendingCount({ fresh: request.method === "POST" }),
  ]);
  return queuePage({
    viewer,
    pending,
    tab,
    filters,
    items: page.items,
    decidable: (a: Approval) => isApprover(a, actor),
    nextCursor: page.nextCursor,
    paged: cursor !== undefined,
    ...extra,
  });
}

export function queueRoutes(scope: FastifyInstance, web: WebContext): void {
  scope.get("/approvals", async (request, reply) =>
    reply.type(HTML).send(await renderQueue(web, request, reply)),
  );

  scope.post("/approvals/bulk", async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const decision = body.decision;
    if (decision !== "approve" && decision !== "reject") {
      throw new CodedError("bad_request", "Choose Approve selected or Reject selected.");
    }
    const ids = (Array.isArray(body.ids) ? body.ids : [body.ids]).filter(
      (v): v is string => typeof v === "string",
    );
    if (ids.length === 0) {
      const html = await renderQueue(web, request, reply, {
        notice: { kind: "error", text: "Tick at least one approval first." },
      });
      return reply.status(400).type(HTML).send(html);
    }
    if (ids.length > 200) throw new CodedError("bad_request", "Decide at most 200 approvals at once.");
    const result = await bulkDecide(web.deps, {
      ids,
      decision,
      rationale: typeof body.rationale === "string" ? body.rationale : undefined,
      actor: { email: request.consoleSession!.email },
      via: "web",
    });
    return reply
      .type(HTML)
      .send(await renderQueue(web, request, reply, { bulk: { decision, results: result.results } }));
  });
}
