// Email renderings of the neutral view: the approval message (with the recipient's own Approve / Reject
// links while pending, the outcome once decided), escalations, reminders and the override notice, each as a
// subject, a plain-text part and an HTML part. Everything from agents or people is HTML-escaped, and the
// subject is one line whatever the input holds, so no input can add markup or a header.
import {
  type EscalationLevelWords,
  escalationDetail,
  escalationLead,
  escalationTitle,
  reminderLead,
} from "./nudges.ts";
import { approvalText } from "./text.ts";
import type { ApprovalFacts } from "./view.ts";

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** The recipient's signed links; only an approver of a pending approval gets them. */
export interface DecideLinks {
  approve: string;
  reject: string;
}

/** Subjects stay well under the 998-character line limit and readable in an inbox list. */
export const SUBJECT_MAX = 200;

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** One line: control characters (CR and LF above all) become spaces, and the length is capped. */
export function subjectLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const line = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, " ").trim();
  return line.length <= SUBJECT_MAX ? line : `${line.slice(0, SUBJECT_MAX - 1)}…`;
}

const SLA_COLOURS: Record<ApprovalFacts["sla"], string> = {
  on_track: "#2e7d32",
  at_risk: "#b26a00",
  breached: "#c62828",
  expired: "#616161",
};

function slaBadgeHtml(f: ApprovalFacts): string {
  return `<span style="color:#fff;background:${SLA_COLOURS[f.sla]};padding:1px 6px;border-radius:3px">${escapeHtml(f.slaLabel)}</span>`;
}

/** The facts table shared by the emails and the confirm page. */
export function factsHtml(f: ApprovalFacts): string {
  const row = (label: string, valueHtml: string) =>
    `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${label}</th><td>${valueHtml}</td></tr>`;
  const rows = [
    row("Agent", escapeHtml(f.agent)),
    row("Tool", escapeHtml(f.action)),
    row("Risk", escapeHtml(f.risk)),
    row("Policy", escapeHtml(f.policy)),
    row("Requested", escapeHtml(f.requestedAt)),
    row("Expires", escapeHtml(f.expiresAt)),
    row("SLA", slaBadgeHtml(f)),
    row("Approvers", escapeHtml(f.approvers)),
    ...(f.requestedBy ? [row("Requested by", escapeHtml(f.requestedBy))] : []),
    ...(f.quorum ? [row("Approvals", escapeHtml(f.quorum))] : []),
    row("Id", `<code>${escapeHtml(f.id)}</code>`),
  ];
  const input =
    `<p style="margin:12px 0 4px"><b>${f.previewLabel}</b>${f.inputTruncated ? " (truncated)" : ""}</p>` +
    `<pre style="background:#f5f5f5;padding:8px;white-space:pre-wrap;word-break:break-all">${escapeHtml(f.inputPreview)}</pre>`;
  const changes =
    f.changes.length === 0
      ? ""
      : `<p style="margin:12px 0 4px"><b>Changed by the approver</b></p>` +
        `<pre style="background:#fff8e1;padding:8px;white-space:pre-wrap;word-break:break-all">${escapeHtml(f.changes.join("\n"))}</pre>`;
  const outcome = f.outcome ? `<p style="font-weight:bold">${escapeHtml(f.outcome)}</p>` : "";
  return `<table style="border-collapse:collapse">${rows.join("")}</table>${input}${changes}${outcome}`;
}

function button(label: string, href: string, colour: string): string {
  return `<a href="${escapeHtml(href)}" style="display:inline-block;padding:8px 18px;margin-right:8px;background:${colour};color:#fff;text-decoration:none;border-radius:4px">${label}</a>`;
}

/** A whole HTML document; the title is escaped here, the body must already be. */
export function htmlDocument(title: string, bodyHtml: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:sans-serif;font-size:14px;color:#222">${bodyHtml}</body></html>`
  );
}

function linksHtml(f: ApprovalFacts, links: DecideLinks | undefined): string {
  const record = `<p style="color:#666">Full record: <a href="${escapeHtml(f.recordUrl)}">${escapeHtml(f.recordUrl)}</a></p>`;
  if (!links || !f.pending) return record;
  return (
    `<p style="margin:16px 0">${button("Approve", links.approve, "#2e7d32")}${button("Reject", links.reject, "#c62828")}</p>` +
    `<p style="color:#666">Each link opens a page where you confirm with a rationale; opening it decides nothing. ` +
    `The links are yours alone and stop working at ${escapeHtml(f.expiresAt)} or once the request is decided.</p>` +
    record
  );
}

function linksText(f: ApprovalFacts, links: DecideLinks | undefined): string[] {
  if (!links || !f.pending) return [];
  return [
    "",
    `Approve: ${links.approve}`,
    `Reject:  ${links.reject}`,
    "",
    "Each link opens a page where you confirm with a rationale; opening it decides nothing.",
    `The links are yours alone and stop working at ${f.expiresAt} or once the request is decided.`,
  ];
}

/** The approval message: links for the recipient while pending; the outcome and no links once decided. */
export function approvalEmail(f: ApprovalFacts, links?: DecideLinks): EmailMessage {
  const { title } = f;
  const lead = f.pending
    ? `${f.agent} wants to run ${f.action} (${f.risk}).`
    : `${f.agent} asked to run ${f.action} (${f.risk}).`;
  return {
    subject: subjectLine(`${title} for ${f.agent} (${f.risk}) — ${f.id}`),
    text: [lead, "", approvalText(f), ...linksText(f, links)].join("\n"),
    html: htmlDocument(
      title,
      `<h2 style="font-size:18px">${escapeHtml(title)}</h2><p>${escapeHtml(lead)}</p>${factsHtml(f)}${linksHtml(f, links)}`,
    ),
  };
}

/** Sent when an escalation level fires: the same facts, led by who has waited since when and who is told. */
export function escalationEmail(
  f: ApprovalFacts,
  opts: { escalateTo: string[]; at: EscalationLevelWords; links?: DecideLinks | undefined },
): EmailMessage {
  const title = escalationTitle(opts.at, f);
  const lead = escalationLead(f, opts.at);
  const next = escalationDetail(f, opts.escalateTo);
  return {
    subject: subjectLine(`${title}: ${f.action} for ${f.agent} — ${f.id}`),
    text: [lead, next, "", approvalText(f), ...linksText(f, opts.links)].join("\n"),
    html: htmlDocument(
      title,
      `<h2 style="font-size:18px;color:#c62828">${escapeHtml(title)}</h2><p>${escapeHtml(lead)}</p><p>${escapeHtml(next)}</p>` +
        `${factsHtml(f)}${linksHtml(f, opts.links)}`,
    ),
  };
}

/** A reminder to an approver who has not acted: the approval again, with their own links. */
export function reminderEmail(
  f: ApprovalFacts,
  awaited: readonly string[],
  links?: DecideLinks,
): EmailMessage {
  const lead = reminderLead(f, awaited);
  return {
    subject: subjectLine(`Reminder: ${f.title} for ${f.agent} (${f.risk}) — ${f.id}`),
    text: [lead, "", approvalText(f), ...linksText(f, links)].join("\n"),
    html: htmlDocument(
      "Reminder",
      `<h2 style="font-size:18px">Reminder: ${escapeHtml(f.title)}</h2><p>${escapeHtml(lead)}</p>${factsHtml(f)}${linksHtml(f, links)}`,
    ),
  };
}

/** Told to a Role's notify addresses after every override made under it. */
export function overrideNoticeEmail(f: ApprovalFacts): EmailMessage {
  const lead = `Override of ${f.id} (${f.action} for ${f.agent})`;
  return {
    subject: subjectLine(`Override: ${f.action} for ${f.agent} — ${f.id}`),
    text: [lead, f.outcome ?? "pending", "", approvalText(f)].join("\n"),
    html: htmlDocument(
      "Override",
      `<h2 style="font-size:18px;color:#c62828">${escapeHtml(lead)}</h2>${factsHtml(f)}${linksHtml(f, undefined)}`,
    ),
  };
}

/** The console sign-in link /console/login mails to a known operator. */
export function signInEmail(url: string): EmailMessage {
  const text = `Sign in to the Countersign console:\n${url}\n\nThe link works once, within 15 minutes. If you did not ask for it, ignore this email.`;
  return {
    subject: "Your Countersign sign-in link",
    text,
    html: htmlDocument(
      "Sign in to Countersign",
      `<p><a href="${escapeHtml(url)}">Sign in to the Countersign console</a></p>` +
        `<p style="color:#666">The link works once, within 15 minutes. If you did not ask for it, ignore this email.</p>`,
    ),
  };
}
