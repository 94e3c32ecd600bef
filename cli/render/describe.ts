// `countersign describe approval ID`: the whole record in sections, in the order a reviewer asks about it —
// what was asked, under which rule, who it went to and where, what was decided, and the audit trail.

import { quorumProgress } from "../../blocks/decision.ts";
import { diffLines } from "../../blocks/diff.ts";
import type { Approval, AuditEvent, Delivery, ToolCall } from "../../sdk/types.ts";
import { decisionSummary, slaBadge, statusWord } from "./approval.ts";
import { printable, printableData, printableJsonLines } from "./printable.ts";
import type { Style } from "./style.ts";
import { table } from "./table.ts";
import { stamp } from "./time.ts";

/** What the trail shows of an audit event. */
export type AuditEntry = Pick<AuditEvent, "id" | "at" | "type" | "actor" | "data">;

export interface DescribeInput {
  approval: Approval;
  /** The audit events, or why they could not be read (the audit log needs an admin key). */
  audit: AuditEntry[] | { unavailable: string };
  /** The gateway call this approval holds, when there is one and the server shows it. */
  toolCall?: ToolCall | undefined;
}

const INDENT = "  ";

export function describeApproval(raw: DescribeInput, now: Date, s: Style): string[] {
  // Every string shown is made printable first; JSON is written from the data as it is (printableJsonLines).
  const { approval: a, audit, toolCall } = printableData(raw);
  const out: string[] = [];
  const section = (title: string) => out.push("", s.bold(title));
  const field = (rows: [string, string][]) => {
    const width = Math.max(...rows.map(([k]) => k.length)) + 1;
    for (const [k, v] of rows) out.push(`${INDENT}${`${k}:`.padEnd(width)} ${v}`);
  };
  const block = (lines: string[]) => out.push(...lines.map((l) => INDENT + l));

  out.push(`${s.bold(`Approval ${a.id}`)}  ${statusWord(a, s)}  ${slaBadge(a.sla, s)}`);

  section("Request");
  const request: [string, string][] = [
    ["Agent", a.agent],
    // Approvals an agent asked for itself (requireApproval) name an action rather than a Tool.
    a.tool === null
      ? ["Action", a.action]
      : ["Tool", a.tool === a.action ? a.tool : `${a.tool} (action ${a.action})`],
    ["Risk", a.risk ?? "-"],
  ];
  if (a.toolCallId) request.push(["Tool call", a.toolCallId]);
  if (a.requestedBy) request.push(["Requested by", `${a.requestedBy} (may not approve it)`]);
  request.push(["Requested", stamp(a.createdAt, now)]);
  field(request);
  if (a.originalInput !== null) {
    // Approved with edits: what runs, and what the approver changed in what the agent asked for.
    section("Input (as approved)");
    block(printableJsonLines(raw.approval.input));
    section("Changed by the approver");
    block(diffLines(a.originalInput, a.input));
  } else {
    section("Input");
    block(printableJsonLines(raw.approval.input));
  }
  if (a.context && typeof a.context === "object" && Object.keys(a.context).length > 0) {
    section("Context");
    block(printableJsonLines(raw.approval.context));
  }

  section("Policy");
  field([
    ["Policy", a.policy ?? "-"],
    ["Rule", a.rule === null ? "-" : `rules[${a.rule}]`],
  ]);

  section("Routing");
  const routing: [string, string][] = [
    ["Approvers", `${a.approverRefs.join(", ")} → ${a.approvers.join(", ") || "(nobody)"}`],
    ["Channels", a.channels.join(", ") || "(none)"],
    ["Rationale", a.rationaleRequired ? "required" : "optional"],
    ["Approvals", a.requiredApprovals > 1 ? `${a.requiredApprovals} distinct approvers` : "one approver"],
    ["Edits", a.editsAllowed ? "allowed (approve with a changed input)" : "not allowed"],
    ["SLA at risk", stamp(a.slaAtRiskAt, now)],
    ["SLA breach", stamp(a.slaBreachAt, now)],
    ["Expires", `${stamp(a.expiresAt, now)}, then denied`],
  ];
  a.escalations.forEach((e, i) => {
    const who = [...e.to, ...e.channels].join(", ");
    routing.push([`Escalation ${i + 1}`, `${stamp(e.at, now)} → ${who}${e.fired ? " (fired)" : ""}`]);
  });
  if (a.nextReminderAt) routing.push(["Next reminder", stamp(a.nextReminderAt, now)]);
  field(routing);

  if (a.requiredApprovals > 1 || a.approvals.length > 1) {
    section("Approvals");
    block([quorumProgress(a.approvals, a.requiredApprovals)]);
    field(
      a.approvals.map((g): [string, string] => [
        g.decidedBy,
        `${stamp(g.decidedAt, now)} via ${g.via}${g.rationale ? `: “${g.rationale}”` : ""}`,
      ]),
    );
  }

  section("Deliveries");
  if (!a.deliveries) block([s.dim("not reported by this server")]);
  else if (a.deliveries.length === 0) block([s.dim("none (no channels routed)")]);
  else block(deliveryTable(a.deliveries, s));

  section("Decision");
  if (a.decision) {
    const d = a.decision;
    block([decisionSummary(d, now)]);
    field([
      ["At", stamp(d.decidedAt, now)],
      [d.kind === "override" ? "Reason" : "Rationale", d.rationale === "" ? "(none)" : `“${d.rationale}”`],
    ]);
  } else {
    block([
      s.yellow("none yet"),
      s.dim(`decide: countersign approvals decide ${a.id} --decision approve|reject --rationale "…"`),
    ]);
  }

  if (toolCall) {
    section("Tool call");
    const rows: [string, string][] = [["Status", callStatus(toolCall, s)]];
    if (toolCall.reason) rows.push(["Reason", toolCall.reason]);
    if (toolCall.error) rows.push(["Error", toolCall.error]);
    if (toolCall.result !== null) rows.push(["Result", printable(oneLine(raw.toolCall?.result))]);
    rows.push(["Updated", stamp(toolCall.updatedAt, now)]);
    field(rows);
  }

  section("Audit trail");
  if ("unavailable" in audit) block([s.dim(audit.unavailable)]);
  else if (audit.length === 0) block([s.dim("no events")]);
  else
    block(
      table(
        ["AT", "EVENT", "ACTOR", "DETAIL"].map(s.dim),
        audit.map((e) => [stamp(e.at, now), e.type, e.actor, auditDetail(e)]),
      ),
    );
  return out;
}

function callStatus(c: ToolCall, s: Style): string {
  const paint =
    c.status === "succeeded"
      ? s.green
      : c.status === "waiting_for_approval" || c.status === "executing"
        ? s.yellow
        : s.red;
  return `${paint(c.status)} (${c.id})`;
}

/** A result on one line, cut short: describe is for reading, -o json has it whole. */
function oneLine(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function deliveryTable(deliveries: Delivery[], s: Style): string[] {
  return table(
    ["CHANNEL", "PURPOSE", "STATUS", "ATTEMPTS", "NOTE"].map(s.dim),
    deliveries.map((d) => {
      const status =
        d.status === "posted" ? s.green("posted") : d.status === "failed" ? s.red("failed") : "pending";
      const note = d.error ?? (d.updateDue ? "card update due" : "");
      return [d.channel, d.purpose, status, String(d.attempts), note];
    }),
  );
}

/** The gist of an event's data: the decision and its why, or whom a new approval went to. */
export function auditDetail(e: AuditEntry): string {
  const d = e.data;
  const parts: string[] = [];
  if (typeof d.decision === "string") parts.push(d.decision);
  if (typeof d.grantBy === "string") parts.push(`under ${d.grantBy}`);
  if (typeof d.rationale === "string" && d.rationale !== "") parts.push(`“${d.rationale}”`);
  if (Array.isArray(d.approvers)) parts.push(`to ${d.approvers.join(", ")}`);
  return parts.join(" ");
}
