// The platforms messages go to, told apart by the prefix of the routed channel.

export type Platform = "slack" | "teams" | "email";

/** slack:#billing-approvals → slack. Channel syntax was validated when the resources loaded. */
export function platformOf(channel: string): Platform {
  const prefix = channel.slice(0, channel.indexOf(":"));
  if (prefix === "slack" || prefix === "teams" || prefix === "email") return prefix;
  throw new Error(`unknown channel platform in ${channel}`);
}
