// The HTML pages behind an email link: the confirm form, the result, and the reasons a link cannot decide.
// The same facts table as the email; everything from agents or people is escaped.
import { escapeHtml, factsHtml, htmlDocument } from "../../blocks/email.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { RATIONALE_MAX } from "../../model/routing.ts";
import type { LinkPage } from "./decide-link.ts";

const STYLE = "max-width:720px;margin:24px auto;padding:0 12px";

function page(title: string, body: string): string {
  return htmlDocument(
    title,
    `<main style="${STYLE}"><h1 style="font-size:20px">${escapeHtml(title)}</h1>${body}</main>`,
  );
}

function notice(message: string, colour: string): string {
  return `<p style="padding:8px 12px;border-left:4px solid ${colour};background:#fafafa">${escapeHtml(message)}</p>`;
}

/** Renders any outcome of opening or submitting a link; `token` is echoed only into the form's action. */
export function renderLinkPage(p: LinkPage, publicUrl: string, token: string): string {
  switch (p.page) {
    case "error":
      return page(p.title, notice(p.message, "#c62828"));
    case "closed":
      return page(
        p.title ?? (p.approval.decision ? "Already decided" : "Link expired"),
        notice(p.message, "#616161") + factsHtml(approvalFacts(p.approval, publicUrl)),
      );
    case "done":
      return page(p.title, notice(p.message, "#2e7d32") + factsHtml(approvalFacts(p.approval, publicUrl)));
    case "confirm": {
      const facts = approvalFacts(p.approval, publicUrl);
      const verb = p.claim.decision === "approve" ? "Approve" : "Reject";
      const required = facts.rationaleRequired;
      const form =
        `<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}">` +
        `<p><label for="rationale"><b>Rationale</b>${required ? "" : " (optional)"}</label><br>` +
        `<textarea id="rationale" name="rationale" rows="4" cols="60" maxlength="${RATIONALE_MAX}"${required ? " required" : ""}>` +
        `${escapeHtml(p.rationale ?? "")}</textarea></p>` +
        (p.error ? notice(p.error, "#c62828") : "") +
        `<p><button type="submit" style="padding:8px 18px">Confirm: ${verb.toLowerCase()}</button></p>` +
        `<p style="color:#666">Recorded with the decision in the audit log and shown on every card. ` +
        `Nothing is decided until you confirm.</p></form>`;
      return page(
        `${verb} ${facts.action} for ${facts.agent}?`,
        `<p>You are deciding as <b>${escapeHtml(p.claim.approver)}</b>.</p>${factsHtml(facts)}${form}`,
      );
    }
  }
}
