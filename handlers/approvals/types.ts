// The domain's own words for who acts and through what. What it answers with is the wire contract,
// sdk/types.ts (Approval, Decision), which the presenters are typed against.

export const VIAS = ["slack", "teams", "email", "api", "cli", "web", "sweeper"] as const;
export type Via = (typeof VIAS)[number];

/** Who acts. Approvers are people, named by email; Slack group ids let a Team's slackUserGroup count. */
export interface Actor {
  email: string;
  slackGroups?: string[];
}
