// OpenID Connect sign-in's pieces of the console: the button on the sign-in page (a plain link: starting
// a sign-in changes nothing here until the provider sends the person back), and the page saying why a
// sign-in through the provider was refused.
import { Notice, renderPage } from "./layout.tsx";

export function OidcButton({ next }: { next?: string | undefined }) {
  const href = `/console/login/oidc${next ? `?next=${encodeURIComponent(next)}` : ""}`;
  return (
    <p>
      <a class="button" href={href}>
        Sign in with your organisation's account
      </a>
    </p>
  );
}

/** Refusals that mean "this person may not come in", as opposed to a sign-in that went wrong on the way. */
const NOT_LET_IN = new Set(["unknown_operator", "email_unverified"]);

export function oidcRefusedPage(p: { reason: string; message: string }): string {
  const title = NOT_LET_IN.has(p.reason) ? "Not signed in: not allowed" : "Not signed in";
  return renderPage({
    title,
    viewer: null,
    pending: null,
    children: (
      <section class="narrow">
        <h1>{title}</h1>
        <Notice kind="error">{p.message}</Notice>
        <p>
          <a href="/console/login">Back to sign-in</a>
        </p>
      </section>
    ),
  });
}
