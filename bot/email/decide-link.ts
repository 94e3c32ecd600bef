// What opening and submitting an email link leads to. Opening (GET) only reads: mail scanners and link
// previews fetch links, so nothing is ever decided without the POST. Submitting hands the decision to the
// domain (handlers decide: approver check, rationale rules, first decision wins) as the person the link
// was minted for, and maps the domain's answer to the page the person sees. Opening asks the domain too
// (openDecision), so the page offers the form only to someone the domain would let decide.
import { pastTense, quorumProgress, standingDecision } from "../../blocks/decision.ts";
import { capitalise } from "../../blocks/words.ts";
import { decide, getApproval, openDecision } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { type CodedError, isCodedError } from "../../handlers/errors.ts";
import { RATIONALE_MAX } from "../../model/routing.ts";
import type { Approval } from "../../sdk/types.ts";
import type { LinkClaim, LinkSigner } from "./links.ts";

export type LinkPage =
  | { page: "error"; status: number; title: string; message: string }
  | { page: "closed"; status: number; approval: Approval; message: string; title?: string }
  | {
      page: "confirm";
      status: number;
      approval: Approval;
      claim: LinkClaim;
      error?: string;
      rationale?: string;
    }
  | { page: "done"; status: 200; title: string; approval: Approval; message: string };

/** The page a GET shows: the confirm form while the link can still decide, otherwise why not. */
export async function openLink(
  deps: HandlerDeps,
  signer: LinkSigner,
  token: string | undefined,
): Promise<LinkPage> {
  const verified = signer.verify(token);
  if (!verified.ok) {
    return verified.reason === "forged"
      ? { page: "error", status: 403, title: "This link is not valid", message: verified.message }
      : { page: "error", status: 400, title: "This link is not valid", message: verified.message };
  }
  const { claim } = verified;
  let approval: Approval;
  try {
    approval = await openDecision(deps, claim.approvalId, { email: claim.approver }, claim.decision);
  } catch (err) {
    const refused = isCodedError(err) ? await refusalPage(deps, claim, err) : undefined;
    if (refused) return refused;
    throw err;
  }
  const now = deps.clock.now().getTime();
  const expiry = Math.min(claim.expiresAt.getTime(), new Date(approval.expiresAt).getTime());
  if (now >= expiry) {
    return {
      page: "closed",
      status: 410,
      approval,
      message: `This link expired at ${new Date(expiry).toISOString()}; the request can no longer be decided.`,
    };
  }
  return { page: "confirm", status: 200, approval, claim };
}

/** The page a POST shows: the decision recorded, or why it was not (the form again if it can be fixed). */
export async function submitLink(
  deps: HandlerDeps,
  signer: LinkSigner,
  token: string | undefined,
  rationaleInput: unknown,
): Promise<LinkPage> {
  const opened = await openLink(deps, signer, token);
  if (opened.page !== "confirm") return opened;
  const { claim } = opened;
  const rationale = typeof rationaleInput === "string" ? rationaleInput : "";
  try {
    const decided = await decide(deps, {
      approvalId: claim.approvalId,
      decision: claim.decision,
      rationale,
      actor: { email: claim.approver },
      via: "email",
    });
    const at = decided.decision?.decidedAt ?? deps.clock.now().toISOString();
    if (!decided.decision) {
      // One approval toward a quorum: recorded, and the request waits for the others.
      const progress = quorumProgress(decided.approvals, decided.requiredApprovals);
      return {
        page: "done",
        status: 200,
        title: "Approval recorded",
        approval: decided,
        message: `Your approval is recorded at ${at} as ${claim.approver} (${progress}); the request waits for the other approvers.`,
      };
    }
    const title = capitalise(pastTense(claim.decision));
    return {
      page: "done",
      status: 200,
      title,
      approval: decided,
      message: `${title} — recorded at ${at} as ${claim.approver}.`,
    };
  } catch (err) {
    if (!isCodedError(err)) throw err;
    if (err.code === "rationale_required") {
      return { ...opened, status: 422, rationale, error: "A rationale is required for this request." };
    }
    if (err.code === "bad_request" && err.details.field === "rationale" && err.details.max === undefined) {
      // Not storable as typed (a NUL, say): the form again, saying what to change.
      return { ...opened, status: 422, rationale: "", error: `The ${err.message.replace(": ", " ")}.` };
    }
    if (err.code === "bad_request" && err.details.field === "rationale") {
      return {
        ...opened,
        status: 422,
        rationale: rationale.slice(0, RATIONALE_MAX),
        error: `The rationale is ${rationale.length} characters long; at most ${RATIONALE_MAX} are kept.`,
      };
    }
    const refused = await refusalPage(deps, claim, err);
    if (refused) return refused;
    throw err;
  }
}

/** Why this link's person cannot decide now, as a page; undefined for an error that is not a refusal. */
async function refusalPage(
  deps: HandlerDeps,
  claim: LinkClaim,
  err: CodedError,
): Promise<LinkPage | undefined> {
  switch (err.code) {
    case "not_found":
      return { page: "error", status: 404, title: "No such request", message: err.message };
    case "already_decided":
      return closed(await getApproval(deps, claim.approvalId));
    case "already_approved_by_you":
      return {
        page: "closed",
        status: 409,
        title: "Already approved by you",
        approval: await getApproval(deps, claim.approvalId),
        message: `${err.message}.`,
      };
    case "not_an_approver":
      return { page: "error", status: 403, title: "Not an approver", message: err.message };
    case "self_approval":
      return { page: "error", status: 403, title: "You asked for this request", message: err.message };
  }
  return undefined;
}

/** Decided or expired: what stands, and since when. */
function closed(approval: Approval): LinkPage {
  const d = approval.decision!;
  return {
    page: "closed",
    status: d.kind === "timeout" ? 410 : 409,
    approval,
    message: `${standingDecision("This request", d)}.`,
  };
}
