// Pieces several console pages share: the SLA badge (words and colour, never colour alone), a JSON value
// shown pretty with long values folded, and the Approve / Reject control that asks for a rationale.

import { RATIONALE_MAX } from "../../model/routing.ts";
import type { Approval, DecisionValue, SlaState } from "../../sdk/types.ts";
import { SLA_LABELS } from "../view.ts";
import { formatTime } from "../words.ts";
import { html, type Markup } from "./markup.ts";

export function slaBadge(sla: SlaState): Markup {
  return html`<span class="badge sla-${sla}">${SLA_LABELS[sla]}</span>`;
}

export function time(iso: string): Markup {
  return html`<time datetime="${iso}">${formatTime(iso)}</time>`;
}

export function SlaBadge({ sla }: { sla: SlaState }) {
  return <span class={`badge sla-${sla}`}>{SLA_LABELS[sla]}</span>;
}

export function Time({ iso }: { iso: string }) {
  return <time dateTime={iso}>{formatTime(iso)}</time>;
}

/** Strings longer than this are folded behind their first characters. */
const FOLD_AT = 160;

/** A JSON value, pretty: objects and arrays as nested lists, long strings folded. */
export function JsonView({ value }: { value: unknown }) {
  if (value === null || typeof value !== "object") return <Scalar value={value} />;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return <code>{Array.isArray(value) ? "[]" : "{}"}</code>;
  return (
    <ul class="json">
      {entries.map(([k, v]) => (
        <li key={k}>
          <span class="key">{k}</span>: <JsonView value={v} />
        </li>
      ))}
    </ul>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === "string" && value.length > FOLD_AT) {
    return (
      <details class="fold">
        <summary>
          <code>{JSON.stringify(value.slice(0, 60))}…</code> ({value.length.toLocaleString("en")} characters)
        </summary>
        <pre>{value}</pre>
      </details>
    );
  }
  return <code>{JSON.stringify(value) ?? "null"}</code>;
}

/** One line of the input for a queue row. */
export function inputPreview(input: unknown, max = 140): string {
  let text: string;
  try {
    text = JSON.stringify(input ?? {}) ?? "null";
  } catch {
    text = String(input);
  }
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The trace of an approval: its tool call's id, and the agent's context.traceId when given. */
export function traceOf(a: Approval): string {
  const ctx = a.context as { traceId?: unknown } | null;
  const traceId = ctx && typeof ctx.traceId === "string" ? ctx.traceId : null;
  return [a.toolCallId, traceId && `trace ${traceId}`].filter(Boolean).join(" · ") || "—";
}

/**
 * Approve or Reject, behind a disclosure that asks for the rationale first (required unless the rule says
 * optional). Works without script and from the keyboard: the summary is a button, the form a normal POST.
 */
export function decideControl(p: {
  approval: Pick<Approval, "id" | "rationaleRequired" | "tool" | "action" | "agent">;
  decision: DecisionValue;
  csrf: string;
  /** Where the result is shown: the list (back to Pending) or the approval's page. */
  back: "list" | "page";
}): Markup {
  const verb = p.decision === "approve" ? "Approve" : "Reject";
  const field = `rationale-${p.decision}-${p.approval.id}`;
  return html`<details class="decide ${p.decision}"><summary>${verb}</summary><form method="post" action="/console/approvals/${encodeURIComponent(p.approval.id)}/decide"><input type="hidden" name="_csrf" value="${p.csrf}"/><input type="hidden" name="decision" value="${p.decision}"/><input type="hidden" name="back" value="${p.back}"/><label for="${field}">Rationale${p.approval.rationaleRequired ? "" : " (optional)"}<span class="sr-only"> for ${p.decision === "approve" ? "approving" : "rejecting"} ${p.approval.tool ?? p.approval.action} by ${p.approval.agent}</span></label><textarea id="${field}" name="rationale" rows="2" maxlength="${RATIONALE_MAX}"${p.approval.rationaleRequired && html` required`}></textarea><button type="submit" class="${p.decision}">Confirm: ${verb.toLowerCase()}</button></form></details>`;
}
