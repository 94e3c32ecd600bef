// The sign-in pages: how to get a link, the page a one-time link opens (a button, so a mail scanner that
// follows links signs nobody in), and the reasons a link cannot be used.
import { Csrf, Notice, renderPage } from "./layout.tsx";
import { OidcButton } from "./oidc.tsx";

export interface LoginProps {
  csrf: string;
  /** Email is on: the page offers to mail a link. */
  canMail: boolean;
  notice?: { kind: "ok" | "error" | "info"; text: string } | undefined;
  /** Where to go once signed in. */
  next?: string | undefined;
  /** COUNTERSIGN_OIDC_* are set: the page offers the organisation's sign-in first. */
  oidc?: boolean | undefined;
}

export function loginPage(p: LoginProps): string {
  return renderPage({
    title: "Sign in",
    viewer: null,
    pending: null,
    children: (
      <section class="narrow">
        <h1>Sign in to Countersign</h1>
        {p.notice && <Notice kind={p.notice.kind}>{p.notice.text}</Notice>}
        {p.oidc && <OidcButton next={p.next} />}
        {p.canMail && (
          <form method="post" action="/console/login">
            <Csrf token={p.csrf} />
            {p.next && <input type="hidden" name="next" value={p.next} />}
            <label for="email">Your work email</label>
            <input id="email" name="email" type="email" autocomplete="email" required />
            <button type="submit">Email me a sign-in link</button>
          </form>
        )}
        <p>
          An admin can also make you a sign-in link, valid for 15 minutes:
          <br />
          <code>countersign console link --operator you@example.com</code>
        </p>
        <p class="muted">You sign in as the person your operator key names, with exactly its rights.</p>
      </section>
    ),
  });
}

export function linkPage(p: {
  csrf: string;
  email: string;
  token: string;
  next?: string | undefined;
}): string {
  return renderPage({
    title: "Sign in",
    viewer: null,
    pending: null,
    children: (
      <section class="narrow">
        <h1>Sign in as {p.email}?</h1>
        <form method="post" action="/console/login/link">
          <Csrf token={p.csrf} />
          <input type="hidden" name="token" value={p.token} />
          {p.next && <input type="hidden" name="next" value={p.next} />}
          <button type="submit">Sign in</button>
        </form>
        <p class="muted">The link works once, within 15 minutes of being made.</p>
      </section>
    ),
  });
}

const LINK_REASONS = {
  expired: "This sign-in link has expired: links are valid for 15 minutes. Ask for a new one.",
  used: "This sign-in link was already used: each link signs in once. Ask for a new one.",
  unknown:
    "This sign-in link is not one this server made. Check that you copied all of it, or ask for a new one.",
  not_operator: "This person no longer has an operator key, so cannot sign in. Ask an admin for one.",
} as const;

export type LinkRefusal = keyof typeof LINK_REASONS;

export function linkRefusedPage(reason: LinkRefusal): string {
  return renderPage({
    title: reason === "expired" ? "Link expired" : "Link not valid",
    viewer: null,
    pending: null,
    children: (
      <section class="narrow">
        <h1>{reason === "expired" ? "This link has expired" : "This link cannot be used"}</h1>
        <Notice kind="error">{LINK_REASONS[reason]}</Notice>
        <p>
          <a href="/console/login">Go to sign-in</a>
        </p>
      </section>
    ),
  });
}
