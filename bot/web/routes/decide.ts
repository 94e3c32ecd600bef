// POST /console/approvals/{id}/decide and /override: a person's decision through the same handlers as
// every surface (only a routed approver, never the requester, first decision wins), recorded via "web".
// A refusal is shown on the page it came from, in the domain's own words: a late click is told who
// decided, and nothing is recorded.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { pastTense, quorumProgress } from "../../../blocks/decision.ts";
import { decide, override } from "../../../handlers/approvals/index.ts";
import { CodedError, isCodedError } from "../../../handlers/errors.ts";
import type { Approval } from "../../../sdk/types.ts";
import { HTML, type WebContext } from "../context.ts";
import { renderApproval } from "./approval.ts";
import { renderQueue } from "./queue.ts";

type Form = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function decisionOf(body: Form) {
  const d = body.decision;
  if (d !== "approve" && d !== "reject")
    throw new CodedError("bad_request", "decision: must be approve or reject");
  return d;
}

/** The edited input, when the form carries one: JSON text, refused with the reason when it is not JSON. */
function editedInput(body: Form): unknown {
  const text = str(body.input);
  if (text === undefined || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CodedError("invalid_input", `input: not valid JSON (${(err as Error).message})`, {
      field: "input",
    });
  }
}

function landedWords(a: Approval): string {
  const action = `${a.tool ?? a.action} for ${a.agent}`;
  if (a.status === "pending")
    return `Your approval of ${action} is counted: ${quorumProgress(a.approvals, a.requiredApprovals)}.`;
  const d = a.decision!;
  return `${pastTense(d.decision) === "approved" ? "Approved" : "Rejected"} ${action}${d.edited ? " with your edits" : ""}. The waiting agent is told at once.`;
}

export function decideRoutes(scope: FastifyInstance, web: WebContext): void {
  /** Shows what happened where the person was: the list, or the approval's page. */
  const answer = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
    run: () => Promise<Approval>,
    body: Form,
  ) => {
    const onList = body.back === "list";
    let status = 200;
    let notice: { kind: "ok" | "error"; text: string };
    try {
      notice = { kind: "ok", text: landedWords(await run()) };
    } catch (err) {
      if (!isCodedError(err) || err.code === "not_found" || err.code === "internal") throw err;
      status = err.status;
      notice = { kind: "error", text: err.message };
    }
    const html = onList
      ? await renderQueue(web, request, reply, { notice })
      : await renderApproval(web, request, reply, request.params.id, {
          notice,
          editText: status !== 200 ? str(body.input) : undefined,
        });
    return reply.status(status).type(HTML).send(html);
  };

  scope.post<{ Params: { id: string } }>("/approvals/:id/decide", async (request, reply) => {
    const body = (request.body ?? {}) as Form;
    const actor = { email: request.consoleSession!.email };
    return answer(
      request,
      reply,
      async () => {
        const decision = decisionOf(body);
        const input = editedInput(body);
        return decide(web.deps, {
          approvalId: request.params.id,
          decision,
          rationale: str(body.rationale),
          actor,
          via: "web",
          ...(input !== undefined && { input }),
        });
      },
      body,
    );
  });

  scope.post<{ Params: { id: string } }>("/approvals/:id/override", async (request, reply) => {
    const body = (request.body ?? {}) as Form;
    const actor = { email: request.consoleSession!.email };
    return answer(
      request,
      reply,
      () =>
        override(web.deps, {
          approvalId: request.params.id,
          decision: decisionOf(body),
          grantBy: str(body.grantBy) ?? "",
          reason: str(body.reason),
          actor,
          via: "web",
        }),
      body,
    );
  });
}
