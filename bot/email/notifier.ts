// Sends approval emails for the delivery dispatcher. A link in an email is a credential (it decides as the
// person it was minted for), so a card routed to `email:ADDRESS` goes to each approver of the approval,
// each message carrying links signed for that approver alone; the routed address itself only turns email
// on, and is never handed links someone else could use. Escalations and override notices go to their
// address, with links only when that address is itself an approver; reminders go to the approver they
// remind, with their own links. Mail cannot be edited once sent, so
// update() sends nothing: a link opened after the decision shows the standing decision instead.
import {
  approvalEmail,
  type DecideLinks,
  type EmailMessage,
  escalationEmail,
  overrideNoticeEmail,
  reminderEmail,
} from "../../blocks/email.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { isApprover } from "../../handlers/approvals/index.ts";
import type { DeliveryJob, Posted } from "../../outbox/dispatch.ts";
import type { Approval } from "../../sdk/types.ts";
import { DeliveryError, escalationOf, type Notifier, reminderOf } from "../deliveries/notifier.ts";
import { decideUrl, type LinkSigner } from "./links.ts";
import type { Mailer } from "./smtp.ts";

export interface EmailNotifierOptions {
  mailer: Mailer;
  signer: () => Promise<LinkSigner>;
  publicUrl: string;
}

/** Kept in the delivery's `extra`: who already has the card, so a retry mails only the others. */
type SentTo = Record<string, string>;

export class EmailNotifier implements Notifier {
  readonly platform = "email" as const;

  constructor(private readonly o: EmailNotifierOptions) {}

  async post(job: DeliveryJob, approval: Approval): Promise<Posted> {
    if (job.purpose === "card") return this.postCard(job, approval);
    const address = job.channel.slice("email:".length).toLowerCase();
    const facts = approvalFacts(approval, this.o.publicUrl);
    let message: EmailMessage;
    if (job.purpose === "notice") {
      message = overrideNoticeEmail(facts);
    } else if (job.purpose === "reminder") {
      message = reminderEmail(facts, reminderOf(job).awaited, await this.linksFor(approval, address));
    } else {
      const links = await this.linksFor(approval, address);
      message = escalationEmail(facts, { ...escalationOf(job), links });
    }
    return { target: address, messageRef: await this.o.mailer.send(address, message) };
  }

  async update(): Promise<void> {}

  private async postCard(job: DeliveryJob, approval: Approval): Promise<Posted> {
    // Several email channels on one approval would mail each approver once per channel: the first sends.
    const first = approval.channels.find((c) => c.startsWith("email:"));
    if (first !== undefined && first !== job.channel) {
      return { target: approval.approvers.join(", "), messageRef: `sent with ${first}` };
    }
    if (approval.approvers.length === 0) {
      throw new DeliveryError(
        "no_recipients",
        `${approval.id} names no approver by email (approvers: ${approval.approverRefs.join(", ") || "none"}), so no one can be mailed a link`,
        false,
      );
    }
    const facts = approvalFacts(approval, this.o.publicUrl);
    const sent: SentTo = { ...((job.extra as { sentTo?: SentTo }).sentTo ?? {}) };
    const failures: DeliveryError[] = [];
    for (const approver of approval.approvers) {
      if (sent[approver]) continue;
      try {
        const message = approvalEmail(facts, await this.linksFor(approval, approver));
        sent[approver] = await this.o.mailer.send(approver, message);
        await job.saveProgress({ sentTo: sent });
      } catch (err) {
        failures.push(err instanceof DeliveryError ? err : new DeliveryError("error", String(err), true));
      }
    }
    if (failures.length > 0) {
      const reached = Object.keys(sent);
      throw new DeliveryError(
        failures[0]!.code,
        (reached.length > 0 ? `sent to ${reached.join(", ")}; ` : "") +
          failures.map((f) => f.message).join("; "),
        failures.some((f) => f.retryable),
      );
    }
    return { target: Object.keys(sent).join(", "), messageRef: Object.values(sent).join(" ") };
  }

  /** The recipient's own links, while the approval is pending and only if the recipient may decide it. */
  private async linksFor(approval: Approval, recipient: string): Promise<DecideLinks | undefined> {
    if (approval.status !== "pending" || !isApprover(approval, { email: recipient })) return undefined;
    const signer = await this.o.signer();
    const url = (decision: "approve" | "reject") =>
      decideUrl(this.o.publicUrl, signer.mint(approval, recipient, decision));
    return { approve: url("approve"), reject: url("reject") };
  }
}
