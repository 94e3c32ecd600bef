// SLA state of an approval, computed from the clock: the sweeper records transitions, but what the queue
// shows never waits for a sweep.
import type { SlaState } from "../sdk/types.ts";

export interface SlaTimes {
  status: string;
  slaAtRiskAt: Date;
  slaBreachAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
}

export function slaState(a: SlaTimes, now: Date): SlaState {
  if (a.status === "expired") return "expired";
  // A decided approval keeps the state it had when decided.
  const at = a.decidedAt ?? now;
  if (at >= a.expiresAt) return "expired";
  if (at >= a.slaBreachAt) return "breached";
  if (at >= a.slaAtRiskAt) return "at_risk";
  return "on_track";
}

/** Orders SLA states by urgency for "most urgent first" listings. */
export const SLA_URGENCY: Record<SlaState, number> = { expired: 0, breached: 1, at_risk: 2, on_track: 3 };
