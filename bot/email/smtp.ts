// The only place nodemailer is used: one SMTP transport from SMTP_URL, and the mapping of its failures
// to delivery errors (a 5xx refusal is permanent, anything else is tried again).
import nodemailer from "nodemailer";
import type { EmailMessage } from "../../blocks/email.ts";
import { DeliveryError } from "../deliveries/notifier.ts";

export interface Mailer {
  /** Sends one message; resolves to its Message-ID. */
  send(to: string, message: EmailMessage): Promise<string>;
  close(): void;
}

// Sends run inside the dispatcher's 60 s lease; a mail server that stops answering must not outlast it.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({ url: smtpUrl, ...TIMEOUTS });
  return {
    async send(to, message) {
      try {
        const info = await transport.sendMail({ from, to, ...message });
        return info.messageId;
      } catch (err) {
        throw toDeliveryError(err, to);
      }
    },
    close: () => transport.close(),
  };
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** Names the recipient and the server's answer, never the SMTP URL (it may carry a password). */
export function toDeliveryError(err: unknown, to: string): DeliveryError {
  const e = (err ?? {}) as SmtpFailure;
  const answer = e.response ?? e.message ?? String(err);
  if (e.code === "EAUTH") {
    return new DeliveryError("smtp_auth", `mail server refused the SMTP_URL credentials: ${answer}`, false);
  }
  if (typeof e.responseCode === "number") {
    return new DeliveryError(
      `smtp_${e.responseCode}`,
      `mail to ${to} refused: ${answer}`,
      e.responseCode < 500,
    );
  }
  return new DeliveryError(e.code ?? "smtp_error", `mail to ${to} not sent: ${answer}`, true);
}
