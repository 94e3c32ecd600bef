// An approval as the terminal shows it: the queue as a table, one approval as sections, a decision as a line.

import { decisionPhrase } from "../../blocks/decision.ts";
import type { Approval, Decision, SlaState } from "../../sdk/types.ts";
import { printableData } from "./printable.ts";
import type { Style } from "./style.ts";
import { table } from "./table.ts";
import { relativeTime } from "./time.ts";

const SLA_BADGE: Record<SlaState, { mark: string; words: string; paint: keyof Style }> = {
  on_track: { mark: "●", words: "on track", paint: "green" },
  at_risk: { mark: "▲", words: "at risk", paint: "yellow" },
  breached: { mark: "✖", words: "BREACHED", paint: "red" },
  expired: { mark: "○", words: "expired", paint: "dim" },
};

export function slaBadge(sla: SlaState, s: Style): string {
  const b = SLA_BADGE[sla] ?? { mark: "?", words: sla, paint: "dim" };
  const paint = s[b.paint] as (t: string) => string;
  return paint(`${b.mark} ${b.words}`);
}

/** "approved by ana@example.com 2m ago via cli" (+ ", override under sre-oncall"; "expired 2m ago …"). */
export function decisionSummary(d: Decision, now: Date): string {
  return decisionPhrase(d, { when: (iso) => relativeTime(iso, now), via: true, override: "comma" });
}

export function statusWord(a: Approval, s: Style): string {
  switch (a.status) {
    case "approved":
      return s.green("approved");
    case "rejected":
      return s.red("rejected");
    case "expired":
      return s.dim("expired");
    default:
      return s.yellow("pending");
  }
}

/** The queue. Pending approvals show when they expire; decided ones show who decided and when. */
export function queueTable(given: Approval[], onlyPending: boolean, now: Date, s: Style): string[] {
  const items = printableData(given);
  const header = onlyPending
    ? ["ID", "AGENT", "TOOL", "RISK", "SLA", "REQUESTED", "EXPIRES"]
    : ["ID", "STATUS", "AGENT", "TOOL", "SLA", "REQUESTED", "OUTCOME"];
  const rows = items.map((a) => {
    const tool = a.tool ?? a.action;
    const requested = relativeTime(a.createdAt, now);
    if (onlyPending) {
      return [
        s.bold(a.id),
        a.agent,
        tool,
        a.risk ?? "-",
        slaBadge(a.sla, s),
        requested,
        relativeTime(a.expiresAt, now),
      ];
    }
    const outcome = a.decision
      ? decisionSummary(a.decision, now)
      : `expires ${relativeTime(a.expiresAt, now)}`;
    return [s.bold(a.id), statusWord(a, s), a.agent, tool, slaBadge(a.sla, s), requested, outcome];
  });
  return table(header.map(s.dim), rows);
}
