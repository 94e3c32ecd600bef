// The two tabs of /console/approvals. Pending: the cross-agent queue, most urgent first, each row with
// what a person needs to decide and Approve / Reject; rows can be ticked and decided together with one
// rationale. History: newest first, outcome, who, when, via what and why, override and timeout told apart.

import type { Approval, BulkDecideResult } from "../../sdk/types.ts";
import { pastTense, quorumProgress } from "../decision.ts";
import { previewed } from "../view.ts";
import { Csrf, Notice, renderPage, type Viewer } from "./layout.tsx";
import { html, type Markup } from "./markup.ts";
import { decideControl, inputPreview, slaBadge, Time, time, traceOf } from "./parts.tsx";

export interface QueueFilters {
  agent?: string | undefined;
  tool?: string | undefined;
  mine?: boolean | undefined;
}

export interface QueueProps {
  viewer: Viewer;
  pending: number;
  tab: "pending" | "history";
  filters: QueueFilters;
  items: Approval[];
  /** Which rows the viewer may decide (routed to them). */
  decidable: (a: Approval) => boolean;
  nextCursor: string | null;
  /** This is not the first page. */
  paged: boolean;
  /** After a bulk decision: each row's outcome. */
  bulk?: { decision: "approve" | "reject"; results: BulkDecideResult["results"] } | undefined;
  notice?: { kind: "ok" | "error" | "info"; text: string } | undefined;
}

function query(tab: string, f: QueueFilters, cursor?: string): string {
  const q = new URLSearchParams();
  if (tab === "history") q.set("tab", "history");
  if (f.agent) q.set("agent", f.agent);
  if (f.tool) q.set("tool", f.tool);
  if (f.mine) q.set("mine", "1");
  if (cursor) q.set("cursor", cursor);
  const s = q.toString();
  return `/console/approvals${s ? `?${s}` : ""}`;
}

function Filters({ tab, filters }: Pick<QueueProps, "tab" | "filters">) {
  return (
    <form method="get" action="/console/approvals" class="filters" aria-label="Filter">
      {tab === "history" && <input type="hidden" name="tab" value="history" />}
      <label>
        Agent <input name="agent" value={filters.agent ?? ""} size={14} />
      </label>
      <label>
        Tool <input name="tool" value={filters.tool ?? ""} size={14} />
      </label>
      <label class="check">
        <input type="checkbox" name="mine" value="1" checked={!!filters.mine} /> Waiting for me
      </label>
      <button type="submit">Filter</button>
      {(filters.agent || filters.tool || filters.mine) && <a href={query(tab, {})}>Clear</a>}
    </form>
  );
}

function Paging(p: Pick<QueueProps, "tab" | "filters" | "nextCursor" | "paged">) {
  if (!p.nextCursor && !p.paged) return null;
  return (
    <nav class="paging" aria-label="Pages">
      {p.paged && <a href={query(p.tab, p.filters)}>First page</a>}
      {p.nextCursor && (
        <a href={query(p.tab, p.filters, p.nextCursor)} rel="next">
          Next page
        </a>
      )}
    </nav>
  );
}

/**
 * One row of Pending, as markup rather than Preact elements: 50 rows of some 40 elements each were most of
 * the page's render time (markup.ts). The text is exactly what the elements rendered.
 */
function pendingRow(a: Approval, csrf: string, decidable: boolean): Markup {
  const action = a.tool ?? a.action;
  const pick =
    decidable &&
    html`<input type="checkbox" name="ids" value="${a.id}" form="bulk" class="pick" aria-label="Select ${action} for ${a.agent} (${a.id})"/>`;
  const head = html`<div class="row-head">${pick}<a href="/console/approvals/${encodeURIComponent(a.id)}" class="title">${action}</a><span class="agent">${a.agent}</span>${slaBadge(a.sla)}</div>`;
  const forWhom = a.requestedBy && html`<span> · for ${a.requestedBy}</span>`;
  const quorum =
    a.requiredApprovals > 1 &&
    html`<span class="quorum"> · ${quorumProgress(a.approvals, a.requiredApprovals)}</span>`;
  const meta = html`<p class="meta"><span>Trace ${traceOf(a)}</span> · <span>Requested ${time(a.createdAt)}</span>${forWhom}${quorum}</p>`;
  const actions =
    decidable &&
    html`<div class="actions">${decideControl({ approval: a, decision: "approve", csrf, back: "list" })}${decideControl({ approval: a, decision: "reject", csrf, back: "list" })}</div>`;
  return html`<li class="row" data-id="${a.id}" data-v="${a.sla}:${a.approvals.length}" id="row-${a.id}">${head}<code class="preview">${inputPreview(previewed(a).value)}</code>${meta}${actions}</li>`;
}

const BULK_WORDS: Record<string, string> = {
  decided: "decided",
  counted: "counted toward the quorum",
  already_decided: "already decided",
  already_approved_by_you: "already approved by you",
  not_an_approver: "not yours to decide",
  self_approval: "you asked for it",
  not_found: "not found",
  rationale_required: "needs a rationale",
};

function BulkResults({ bulk }: { bulk: NonNullable<QueueProps["bulk"]> }) {
  const done = bulk.results.filter((r) => r.outcome === "decided" || r.outcome === "counted").length;
  return (
    <section class="bulk-results" aria-labelledby="bulk-title">
      <h2 id="bulk-title">
        {pastTense(bulk.decision)} {done} of {bulk.results.length}
      </h2>
      <ul>
        {bulk.results.map((r) => (
          <li
            key={r.id}
            data-outcome={r.outcome}
            class={r.outcome === "decided" || r.outcome === "counted" ? "ok" : "refused"}
          >
            <a href={`/console/approvals/${encodeURIComponent(r.id)}`}>{r.id}</a>:{" "}
            {BULK_WORDS[r.outcome] ?? r.outcome}
            {r.message && <span> — {r.message}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Pending(p: QueueProps) {
  const anyDecidable = p.items.some(p.decidable);
  return (
    <>
      {anyDecidable && (
        <form method="post" action="/console/approvals/bulk" id="bulk" class="bulk">
          <Csrf token={p.viewer.csrf} />
          <label for="bulk-rationale">Rationale for the selected approvals</label>
          <textarea id="bulk-rationale" name="rationale" rows={2} />
          <div class="bulk-buttons">
            <button type="submit" name="decision" value="approve" class="approve">
              Approve selected
            </button>
            <button type="submit" name="decision" value="reject" class="reject">
              Reject selected
            </button>
            <span id="selected-count" aria-live="polite" />
          </div>
        </form>
      )}
      {p.items.length === 0 ? (
        <p class="empty">Nothing is waiting{p.filters.mine ? " for you" : ""}.</p>
      ) : (
        <ul
          class="queue"
          id="queue"
          aria-label="Pending approvals, most urgent first"
          dangerouslySetInnerHTML={{
            __html: p.items.map((a) => pendingRow(a, p.viewer.csrf, p.decidable(a)).text).join(""),
          }}
        />
      )}
    </>
  );
}

/** approved · rejected · expired (timeout) · approved (override). */
function Outcome({ a }: { a: Approval }) {
  const d = a.decision;
  if (!d) return <span class="badge">{a.status}</span>;
  if (d.kind === "timeout") return <span class="badge outcome-expired">expired (timeout)</span>;
  const word = pastTense(d.decision);
  return <span class={`badge outcome-${word}`}>{d.kind === "override" ? `${word} (override)` : word}</span>;
}

function History(p: QueueProps) {
  if (p.items.length === 0) return <p class="empty">No decisions yet.</p>;
  return (
    <div class="scroll">
      <table class="history" id="history">
        <caption class="sr-only">Decided approvals, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Approval</th>
            <th scope="col">Outcome</th>
            <th scope="col">Who</th>
            <th scope="col">When</th>
            <th scope="col">Via</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {p.items.map((a) => (
            <tr key={a.id} data-id={a.id}>
              <td>
                <a href={`/console/approvals/${encodeURIComponent(a.id)}`}>{a.tool ?? a.action}</a>
                <br />
                <span class="muted">{a.agent}</span>
              </td>
              <td>
                <Outcome a={a} />
              </td>
              <td>
                {a.decision
                  ? a.decision.kind === "timeout"
                    ? "nobody (timed out)"
                    : a.decision.decidedBy
                  : "—"}
              </td>
              <td>{a.decision ? <Time iso={a.decision.decidedAt} /> : "—"}</td>
              <td>{a.decision?.via ?? "—"}</td>
              <td>
                {a.decision?.kind === "override" && <span>under {a.decision.grantBy}: </span>}
                {a.decision?.rationale || "—"}
                {a.decision?.edited && <span> (approved with edits)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function queuePage(p: QueueProps): string {
  return renderPage({
    title: p.tab === "history" ? "History" : "Pending",
    viewer: p.viewer,
    pending: p.pending,
    tab: p.tab,
    children: (
      <>
        <h1>{p.tab === "history" ? "History" : "Pending approvals"}</h1>
        {p.notice && <Notice kind={p.notice.kind}>{p.notice.text}</Notice>}
        {/* Outside the live region, which the page's script redraws as approvals change — as the bulk
            decision these results report has just done. */}
        {p.bulk && <BulkResults bulk={p.bulk} />}
        <Filters tab={p.tab} filters={p.filters} />
        <div id="live-region" data-self={query(p.tab, p.filters)} data-first={p.paged ? "0" : "1"}>
          {p.tab === "history" ? <History {...p} /> : <Pending {...p} />}
        </div>
        <Paging {...p} />
      </>
    ),
  });
}
