// Posts and refreshes Slack messages for the delivery dispatcher: the approval card (updated in place
// with chat.update once decided), escalations and override notices (new messages linking the card) and
// reminders (a DM carrying the card again). It only talks to Slack; retries, leases and bookkeeping are the outbox's and the dispatcher's.
import {
  approvalCard,
  type CardLink,
  escalationMessage,
  overrideNoticeMessage,
  reminderMessage,
  type SlackMessage,
} from "../../blocks/slack.ts";
import { approvalFacts } from "../../blocks/view.ts";
import type { DeliveryJob, Posted } from "../../outbox/dispatch.ts";
import type { Approval } from "../../sdk/types.ts";
import { escalationOf, type Notifier, reminderOf } from "../deliveries/notifier.ts";
import type { ChannelDirectory } from "./channels.ts";
import { slackBlocks, toDeliveryError, type WebClient } from "./web.ts";

export interface SlackNotifierOptions {
  web: WebClient;
  channels: ChannelDirectory;
  publicUrl: string;
  /** The workspace URL (auth.test), for links to posted cards. */
  workspaceUrl: () => Promise<string>;
}

export class SlackNotifier implements Notifier {
  readonly platform = "slack" as const;

  constructor(private readonly o: SlackNotifierOptions) {}

  async post(job: DeliveryJob, approval: Approval): Promise<Posted> {
    const target = job.target ?? (await this.o.channels.resolve(job.channel));
    const message = await this.render(job, approval);
    try {
      const res = await this.o.web.chat.postMessage({
        channel: target,
        text: message.text,
        blocks: slackBlocks(message.blocks),
        unfurl_links: false,
      });
      return { target: res.channel ?? target, messageRef: res.ts! };
    } catch (err) {
      throw toDeliveryError(err, job.channel);
    }
  }

  async update(job: DeliveryJob, approval: Approval): Promise<void> {
    // Only cards are refreshed; escalations and notices are point-in-time messages.
    if (job.purpose !== "card" || !job.target || !job.messageRef) return;
    const message = approvalCard(approvalFacts(approval, this.o.publicUrl));
    try {
      await this.o.web.chat.update({
        channel: job.target,
        ts: job.messageRef,
        text: message.text,
        blocks: slackBlocks(message.blocks),
      });
    } catch (err) {
      throw toDeliveryError(err, job.channel);
    }
  }

  private async render(job: DeliveryJob, approval: Approval): Promise<SlackMessage> {
    const facts = approvalFacts(approval, this.o.publicUrl);
    if (job.purpose === "card") return approvalCard(facts);
    if (job.purpose === "reminder") return reminderMessage(facts, reminderOf(job).awaited);
    const links = await this.cardLinks(job);
    if (job.purpose === "notice") return overrideNoticeMessage(facts, links);
    return escalationMessage(facts, { links, ...escalationOf(job) });
  }

  /** Links to every posted Slack copy of the approval's card (the outbox hands them in the job). */
  private async cardLinks(job: DeliveryJob): Promise<CardLink[]> {
    const posted = job.cards.filter((c) => c.platform === "slack" && c.target && c.messageRef);
    if (posted.length === 0) return [];
    const base = await this.o.workspaceUrl().catch(() => "https://slack.com/");
    return posted.map((c) => ({
      channel: c.channel.replace(/^slack:/, ""),
      url: `${base.replace(/\/?$/, "/")}archives/${c.target}/p${c.messageRef!.replace(".", "")}`,
    }));
  }
}
