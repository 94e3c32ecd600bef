// Names of the NOTIFY channels the domain signals on. Payloads are approval ids.

/** An approval changed state (decided, expired): waiting calls look again. */
export const APPROVAL_CHANGED = "countersign_approval_changed";
/** Deliveries are due (a new card, a card to update, an escalation): notifiers look again. */
export const DELIVERIES_DUE = "countersign_deliveries_due";

export type Platform = "slack" | "teams" | "email";

/** slack:#billing-approvals → slack. Channel syntax was validated when the resources loaded. */
export function platformOf(channel: string): Platform {
  const prefix = channel.slice(0, channel.indexOf(":"));
  if (prefix === "slack" || prefix === "teams" || prefix === "email") return prefix;
  throw new Error(`unknown channel platform in ${channel}`);
}
