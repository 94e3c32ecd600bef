// What every console route is handed: the domain, where the console is reached, and how a sign-in link is
// mailed (when email is on). The console's routes live in bot/web/routes/, its pages in blocks/html/.
import type { Logger } from "pino";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { ConsoleFeed } from "./feed.ts";
import type { OidcSignIn } from "./oidc/sign-in.ts";
import type { SessionCache } from "./session-cache.ts";

export interface WebContext {
  deps: HandlerDeps;
  /** COUNTERSIGN_PUBLIC_URL: links in mail and from the CLI point here. */
  publicUrl: string;
  /** Cookies carry Secure when the console is reached over https. */
  secureCookies: boolean;
  logger: Logger;
  /** Mails a sign-in link to a known operator; undefined when email is off. */
  mailSignInLink: ((to: string, url: string) => Promise<void>) | undefined;
  /** Wake-ups for open pages (GET /console/events). */
  feed: ConsoleFeed;
  /** Live sessions, held a second (sign-out and revocation drop them at once). */
  sessions: SessionCache;
  /** Sign-in through the OpenID Connect provider; undefined when COUNTERSIGN_OIDC_* are unset. */
  oidc: OidcSignIn | undefined;
}

/** Every console page's content type. */
export const HTML = "text/html; charset=utf-8";
