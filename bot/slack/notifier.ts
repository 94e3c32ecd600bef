// Posts and refreshes Slack messages for the delivery dispatcher: the approval card (updated in place
// with chat.update once decided), the SLA escalation and the override notice (new messages linking the
// card). It only talks to Slack; retries, leases and bookkeeping are the dispatcher's.
import { and, eq } from "drizzle-orm";
import {
  approvalCard,
  type CardLink,
  escalationMessage,
  overrideNoticeMessage,
  type SlackMessage,
} from "../../blocks/slack.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { deliveries } from "../../db/schema.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Approval } from "../../sdk/types.ts";
import type { DeliveryJob, Notifier, Posted } from "../deliveries/notifier.ts";
import type { ChannelDirectory } from "./channels.ts";
import { slackBlocks, toDeliveryError, type WebClient } from "./web.ts";

export interface SlackNotifierOptions {
  web: WebClient;
  channels: ChannelDirectory;
  deps: HandlerDeps;
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
    const links = await this.cardLinks(job.approvalId);
    if (job.purpose === "notice") return overrideNoticeMessage(facts, links);
    const extra = job.extra as { escalateTo?: unknown };
    const escalateTo = Array.isArray(extra.escalateTo) ? extra.escalateTo.map(String) : [];
    return escalationMessage(facts, { links, escalateTo });
  }

  /** Links to every posted Slack copy of the approval's card. */
  private async cardLinks(approvalId: string): Promise<CardLink[]> {
    const rows = await this.o.deps.database.db
      .select({ channel: deliveries.channel, target: deliveries.target, ts: deliveries.messageRef })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.approvalId, approvalId),
          eq(deliveries.purpose, "card"),
          eq(deliveries.platform, "slack"),
          eq(deliveries.status, "posted"),
        ),
      );
    if (rows.length === 0) return [];
    const base = await this.o.workspaceUrl().catch(() => "https://slack.com/");
    return rows
      .filter((r) => r.target && r.ts)
      .map((r) => ({
        channel: r.channel.replace(/^slack:/, ""),
        url: `${base.replace(/\/?$/, "/")}archives/${r.target}/p${r.ts!.replace(".", "")}`,
      }));
  }
}
