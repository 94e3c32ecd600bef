// Email, assembled: the SMTP transport from SMTP_URL, the link signer (its key from configuration or a
// key file, never the database: secret.ts), the notifier the delivery dispatcher sends through, and the link pages.
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { signInEmail } from "../../blocks/email.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { EmailConfig } from "../config.ts";
import { LinkSigner } from "./links.ts";
import { EmailNotifier } from "./notifier.ts";
import { emailRoutes } from "./routes.ts";
import { loadLinkKeys } from "./secret.ts";
import { createMailer } from "./smtp.ts";

export interface Email {
  notifier: EmailNotifier;
  /** Registers GET/POST /email/decide on the server. */
  register(server: FastifyInstance): Promise<void>;
  /** Mails a console sign-in link (bot/web/routes/login.ts). */
  mailSignInLink(to: string, url: string): Promise<void>;
  stop(): void;
}

export function createEmail(
  config: EmailConfig,
  deps: HandlerDeps,
  publicUrl: string,
  logger: Logger,
): Email {
  const mailer = createMailer(config.smtpUrl, config.from);
  if (/^https?:\/\/(127\.|localhost|\[::1\])/.test(publicUrl)) {
    logger.warn(`email links point at ${publicUrl}; set COUNTERSIGN_PUBLIC_URL so recipients can open them`);
  }
  // Read (or created) once, at assembly: a missing or unreadable key stops start-up, naming the file.
  const [key, ...previous] = loadLinkKeys(config);
  const linkSigner = new LinkSigner(key!, previous);
  const signer = async (): Promise<LinkSigner> => linkSigner;
  return {
    notifier: new EmailNotifier({ mailer, signer, publicUrl }),
    async register(server) {
      await server.register(emailRoutes({ deps, signer, publicUrl, logger }));
    },
    async mailSignInLink(to, url) {
      await mailer.send(to, signInEmail(url));
    },
    stop: () => mailer.close(),
  };
}
