// Posts and refreshes Teams messages for the delivery dispatcher: the approval card (replaced in place
// with updateActivity once decided), escalations, reminders and override notices (new messages). Posts
// are proactive, to the Bot Connector service URL of TEAMS_API_URL; the activity id is the messageRef.
import type { Activity } from "botbuilder";
import { type AdaptiveCard, escalationCard, overrideNoticeCard } from "../../blocks/adaptive.ts";
import { reminderLead } from "../../blocks/nudges.ts";
import { approvalFacts } from "../../blocks/view.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { DeliveryJob, Posted } from "../../outbox/dispatch.ts";
import type { Approval } from "../../sdk/types.ts";
import { DeliveryError, escalationOf, type Notifier, reminderOf } from "../deliveries/notifier.ts";
import type { TeamsAdapter } from "./adapter.ts";
import { cardMessage, teamsApprovalCard } from "./cards.ts";
import type { ConversationDirectory } from "./channels.ts";
import { toDeliveryError } from "./errors.ts";

export interface TeamsNotifierOptions {
  adapter: TeamsAdapter;
  conversations: ConversationDirectory;
  serviceUrl: string;
  publicUrl: string;
  /** For the Tool's inputSchema behind the card's inputs for approving with edits. */
  deps: HandlerDeps;
}

export class TeamsNotifier implements Notifier {
  readonly platform = "teams" as const;

  constructor(private readonly o: TeamsNotifierOptions) {}

  async post(job: DeliveryJob, approval: Approval): Promise<Posted> {
    const target = job.target ?? (await this.o.conversations.resolve(job.channel));
    const activity = cardMessage(this.render(job, approval));
    try {
      const connector = await this.o.adapter.connector(this.o.serviceUrl);
      const res = await connector.conversations.sendToConversation(target, activity as Activity);
      if (!res.id)
        throw new DeliveryError("no_activity_id", `Teams gave no activity id for ${job.channel}`, true);
      return { target, messageRef: res.id };
    } catch (err) {
      throw toDeliveryError(err, job.channel);
    }
  }

  async update(job: DeliveryJob, approval: Approval): Promise<void> {
    // Only cards are refreshed; escalations and notices are point-in-time messages.
    if (job.purpose !== "card" || !job.target || !job.messageRef) return;
    const activity = { ...cardMessage(teamsApprovalCard(this.o, approval)), id: job.messageRef };
    try {
      const connector = await this.o.adapter.connector(this.o.serviceUrl);
      await connector.conversations.updateActivity(job.target, job.messageRef, activity as Activity);
    } catch (err) {
      throw toDeliveryError(err, job.channel);
    }
  }

  private render(job: DeliveryJob, approval: Approval): AdaptiveCard {
    if (job.purpose === "card") return teamsApprovalCard(this.o, approval);
    const facts = approvalFacts(approval, this.o.publicUrl);
    if (job.purpose === "reminder") {
      // The card again, to decide on, led by who is still awaited.
      const notice = { tone: "info" as const, text: reminderLead(facts, reminderOf(job).awaited) };
      return teamsApprovalCard(this.o, approval, { notice });
    }
    if (job.purpose === "notice") return overrideNoticeCard(facts);
    return escalationCard(facts, escalationOf(job));
  }
}
