// One approval in full (/console/approvals/{id}): the request, input and context, policy and rule,
// routing and SLA thresholds, each delivery with its failure and the fix, approvals toward a quorum, the
// decision, the held tool call's outcome and the audit trail; the forms this viewer may use.
import type { Approval, AuditEvent, Delivery, ToolCall } from "../../sdk/types.ts";
import { outcomeLine, quorumProgress } from "../decision.ts";
import { diffLines } from "../diff.ts";
import { Csrf, Notice, renderPage, type Viewer } from "./layout.tsx";
import { decideControl, JsonView, SlaBadge, Time, traceOf } from "./parts.tsx";

export interface ApprovalPageProps {
  viewer: Viewer;
  pending: number;
  approval: Approval;
  deliveries: Delivery[];
  toolCall: ToolCall | null;
  audit: AuditEvent[];
  /** The viewer is a routed approver. */
  mayDecide: boolean;
  /** Roles granting approvals.override that the viewer belongs to. */
  overrideRoles: string[];
  notice?: { kind: "ok" | "error" | "info"; text: string } | undefined;
  /** The edited input as last submitted (kept when it was refused). */
  editText?: string | undefined;
}

function Facts({ rows }: { rows: [string, preact.ComponentChildren][] }) {
  return (
    <dl class="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What to do about a delivery that failed, from its error. */
export function deliveryFix(error: string): string {
  if (/: off \(|is off|no SLACK_BOT_TOKEN|no TEAMS_APP_ID|no SMTP_URL/.test(error))
    return "Turn the platform on (see the start-up lines) or route this policy elsewhere.";
  if (/not_in_channel|channel_not_found|is_archived/.test(error))
    return "Invite the bot to the channel (/invite @countersign), or fix the channel name in the routing.";
  if (/invalid_auth|token|credentials|smtp_auth|401|403/i.test(error))
    return "Check the platform's credentials in the server's environment, then restart.";
  if (/refused|5\d\d/.test(error))
    return "Check the address in the routing: the receiving server refused it.";
  return "Deliveries are retried with backoff; if it keeps failing, check the platform's status and the server log.";
}

const CALL_WORDS: Record<string, string> = {
  waiting_for_approval: "waiting for this approval",
  executing: "running now",
  succeeded: "ran and succeeded",
  failed: "ran and failed",
  denied: "denied: it did not run",
  outcome_unknown: "outcome unknown",
};

function HeldCall({ call }: { call: ToolCall }) {
  return (
    <section aria-labelledby="call-title">
      <h2 id="call-title">The held tool call</h2>
      <Facts
        rows={[
          ["Call", <code key="c">{call.id}</code>],
          [
            "Status",
            <span key="s" class={`badge call-${call.status}`}>
              {CALL_WORDS[call.status] ?? call.status}
            </span>,
          ],
          ...(call.reason ? ([["Reason", call.reason]] as [string, string][]) : []),
          ...(call.error ? ([["Error", call.error]] as [string, string][]) : []),
          ["Updated", <Time key="t" iso={call.updatedAt} />],
        ]}
      />
      {call.status === "outcome_unknown" && (
        <Notice kind="info">
          The tool was called but no answer came back (the process running it stopped, or the connection broke
          after the request was sent). It may or may not have acted, so Countersign does not run it again:
          check in the tool's own system whether it happened before trying again.
        </Notice>
      )}
      {call.result !== null && call.result !== undefined && (
        <>
          <h3>Result</h3>
          <JsonView value={call.result} />
        </>
      )}
    </section>
  );
}

function Deliveries({ list }: { list: Delivery[] }) {
  return (
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries</h2>
      {list.length === 0 ? (
        <p class="muted">None: no channels were routed.</p>
      ) : (
        <ul class="deliveries">
          {list.map((d, i) => (
            <li key={i} class={`delivery ${d.status}`}>
              <b>{d.channel}</b> ({d.purpose}): <span class={`badge delivery-${d.status}`}>{d.status}</span>
              {d.attempts > 1 && <span> after {d.attempts} attempts</span>}
              {d.updateDue && <span> · an update is due</span>}
              {d.error && (
                <p class="error-line">
                  Failure: {d.error}
                  <br />
                  Fix: {deliveryFix(d.error)}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function auditDetail(e: AuditEvent): string {
  const d = e.data as Record<string, unknown>;
  const parts = ["decision", "via", "rationale", "reason", "progress", "channel", "error"]
    .filter((k) => typeof d[k] === "string" && d[k] !== "")
    .map((k) => `${k}: ${d[k]}`);
  return parts.join(" · ");
}

function Audit({ events }: { events: AuditEvent[] }) {
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail</h2>
      {events.length === 0 ? (
        <p class="muted">No events.</p>
      ) : (
        <ol class="audit">
          {events.map((e) => (
            <li key={e.id}>
              <Time iso={e.at} /> <b>{e.type}</b> by {e.actor}
              {auditDetail(e) && <span class="muted"> — {auditDetail(e)}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function EditForm({ a, viewer, text }: { a: Approval; viewer: Viewer; text: string | undefined }) {
  return (
    <details class="edit" open={text !== undefined}>
      <summary>Approve with edits</summary>
      <form method="post" action={`/console/approvals/${encodeURIComponent(a.id)}/decide`}>
        <Csrf token={viewer.csrf} />
        <input type="hidden" name="decision" value="approve" />
        <input type="hidden" name="back" value="page" />
        <label for="edit-input">Input to run instead (JSON, checked against the tool's input schema)</label>
        <textarea id="edit-input" name="input" rows={8} class="mono">
          {text ?? JSON.stringify(a.input, null, 2)}
        </textarea>
        <label for="edit-rationale">Rationale{a.rationaleRequired ? "" : " (optional)"}</label>
        <textarea id="edit-rationale" name="rationale" rows={2} required={a.rationaleRequired} />
        <button type="submit" class="approve">
          Approve with these edits
        </button>
      </form>
    </details>
  );
}

function OverrideForm({ a, viewer, roles }: { a: Approval; viewer: Viewer; roles: string[] }) {
  return (
    <details class="override">
      <summary>Override (break-glass)</summary>
      <form method="post" action={`/console/approvals/${encodeURIComponent(a.id)}/override`}>
        <Csrf token={viewer.csrf} />
        <label for="override-role">Under Role</label>
        <select id="override-role" name="grantBy">
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>Decision</legend>
          <label class="check">
            <input type="radio" name="decision" value="approve" required /> Approve
          </label>
          <label class="check">
            <input type="radio" name="decision" value="reject" /> Reject
          </label>
        </fieldset>
        <label for="override-reason">Reason (recorded and announced)</label>
        <textarea id="override-reason" name="reason" rows={2} required />
        <button type="submit">Override</button>
      </form>
    </details>
  );
}

export function approvalPage(p: ApprovalPageProps): string {
  const a = p.approval;
  const action = a.tool ?? a.action;
  const pending = a.status === "pending";
  const request: [string, preact.ComponentChildren][] = [
    ["Agent", a.agent],
    [a.tool === null ? "Action" : "Tool", action],
    ["Risk", a.risk ?? "unspecified"],
    ["Trace", traceOf(a)],
    ["Requested", <Time key="r" iso={a.createdAt} />],
  ];
  if (a.requestedBy) request.push(["Requested by", `${a.requestedBy} (may not approve it)`]);
  const routing: [string, preact.ComponentChildren][] = [
    ["Policy", a.policy ? `${a.policy}${a.rule !== null ? `, rule ${a.rule}` : ""}` : "—"],
    ["Approvers", `${a.approverRefs.join(", ") || "—"} → ${a.approvers.join(", ") || "nobody"}`],
    ["Channels", a.channels.join(", ") || "none"],
    ["Rationale", a.rationaleRequired ? "required" : "optional"],
    [
      "Approvals needed",
      a.requiredApprovals > 1 ? `${a.requiredApprovals} distinct approvers` : "one approver",
    ],
    ["Edits", a.editsAllowed ? "allowed" : "not allowed"],
    ["SLA at risk from", <Time key="a" iso={a.slaAtRiskAt} />],
    ["SLA breached from", <Time key="b" iso={a.slaBreachAt} />],
    ["Expires (then denied)", <Time key="e" iso={a.expiresAt} />],
  ];
  for (const [i, e] of a.escalations.entries()) {
    routing.push([
      `Escalation ${i + 1}`,
      <span key={`x${i}`}>
        <Time iso={e.at} /> → {[...e.to, ...e.channels].join(", ")}
        {e.fired ? " (fired)" : ""}
      </span>,
    ]);
  }
  const editable = pending && p.mayDecide && a.editsAllowed && a.tool !== null && a.requiredApprovals === 1;
  return renderPage({
    title: `${action} for ${a.agent}`,
    viewer: p.viewer,
    pending: p.pending,
    children: (
      <>
        {/* Outside the article, which the page's script redraws when the approval changes — as it does on
            the very decision this notice confirms, which would take the confirmation away with it. */}
        {p.notice && <Notice kind={p.notice.kind}>{p.notice.text}</Notice>}
        <article
          class="approval"
          data-id={a.id}
          data-status={a.status}
          data-self={`/console/approvals/${encodeURIComponent(a.id)}`}
        >
          <p>
            <a href="/console/approvals">← Pending</a>
          </p>
          <h1>
            {action} <span class="muted">for {a.agent}</span>
          </h1>
          <p class="state">
            <span class={`badge status-${a.status}`}>{a.status}</span> <SlaBadge sla={a.sla} />{" "}
            <code class="muted">{a.id}</code>
          </p>
          <div id="live-note" role="status" aria-live="polite" />
          {pending && a.requiredApprovals > 1 && (
            <p class="quorum" id="quorum">
              {quorumProgress(a.approvals, a.requiredApprovals)}
            </p>
          )}
          {pending && p.mayDecide && (
            <div
              class="actions"
              dangerouslySetInnerHTML={{
                __html: `${decideControl({ approval: a, decision: "approve", csrf: p.viewer.csrf, back: "page" })}${decideControl({ approval: a, decision: "reject", csrf: p.viewer.csrf, back: "page" })}`,
              }}
            />
          )}
          {editable && <EditForm a={a} viewer={p.viewer} text={p.editText} />}
          {pending && p.overrideRoles.length > 0 && (
            <OverrideForm a={a} viewer={p.viewer} roles={p.overrideRoles} />
          )}

          <section aria-labelledby="decision-title">
            <h2 id="decision-title">Decision</h2>
            {a.approvals.length > 0 && (
              <ul class="signoffs">
                {a.approvals.map((s) => (
                  <li key={s.decidedBy}>
                    Approved by {s.decidedBy} at <Time iso={s.decidedAt} /> via {s.via}
                    {s.rationale && <span> — {s.rationale}</span>}
                  </li>
                ))}
              </ul>
            )}
            {a.decision ? (
              <p class={`outcome kind-${a.decision.kind}`}>
                {outcomeLine(a.decision)} <span class="muted">(via {a.decision.via})</span>
              </p>
            ) : (
              <p class="muted">None yet.</p>
            )}
          </section>

          <section aria-labelledby="request-title">
            <h2 id="request-title">Request</h2>
            <Facts rows={request} />
            <h3>{a.originalInput !== null ? "Input (as approved)" : "Input"}</h3>
            <JsonView value={a.input} />
            {a.originalInput !== null && (
              <>
                <h3>Changed by the approver</h3>
                <pre>{diffLines(a.originalInput, a.input).join("\n")}</pre>
              </>
            )}
            {a.context && typeof a.context === "object" && Object.keys(a.context).length > 0 && (
              <>
                <h3>Context</h3>
                <JsonView value={a.context} />
              </>
            )}
          </section>

          <section aria-labelledby="routing-title">
            <h2 id="routing-title">Policy, routing and SLA</h2>
            <Facts rows={routing} />
          </section>

          <Deliveries list={p.deliveries} />
          {p.toolCall && <HeldCall call={p.toolCall} />}
          <Audit events={p.audit} />
        </article>
      </>
    ),
  });
}
