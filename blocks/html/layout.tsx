// The console's page frame: a skip link, the navigation with the live pending-count badge, who is signed
// in with the sign-out button, and the main region. Pages are rendered to strings by Preact, which escapes
// every text and attribute value, so nothing an agent or a person typed can become markup; the parts drawn
// 50 times a page (Pending's rows, the decide controls) are html`…` templates that escape alike (markup.ts).
import type { ComponentChildren } from "preact";
import { render } from "preact-render-to-string";

export interface Viewer {
  email: string;
  /** The CSRF token every form of the page carries. */
  csrf: string;
}

export interface FrameProps {
  title: string;
  viewer: Viewer | null;
  /** The pending count for the badge; null leaves the navigation out (sign-in pages). */
  pending: number | null;
  tab?: "pending" | "history" | undefined;
  children: ComponentChildren;
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

function Nav({ viewer, pending, tab }: Pick<FrameProps, "viewer" | "pending" | "tab">) {
  return (
    <header class="top">
      <a class="brand" href="/console/approvals">
        Countersign
      </a>
      <nav aria-label="Approvals">
        <a href="/console/approvals" aria-current={tab === "pending" ? "page" : undefined}>
          Pending{" "}
          <span class="count" id="pending-count" aria-live="polite" title="approvals waiting for a decision">
            {pending}
          </span>
        </a>
        <a href="/console/approvals?tab=history" aria-current={tab === "history" ? "page" : undefined}>
          History
        </a>
      </nav>
      {viewer && (
        <form method="post" action="/console/logout" class="who">
          <span>{viewer.email}</span>
          <Csrf token={viewer.csrf} />
          <button type="submit" class="link">
            Sign out
          </button>
        </form>
      )}
    </header>
  );
}

function Frame(p: FrameProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${p.title} · Countersign`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        {p.pending !== null && <Nav viewer={p.viewer} pending={p.pending} tab={p.tab} />}
        <main id="main" tabIndex={-1}>
          {p.children}
        </main>
      </body>
    </html>
  );
}

/** A whole page as HTML text. */
export function renderPage(props: FrameProps): string {
  return `<!doctype html>${render(<Frame {...props} />)}`;
}

/** A notice above a page's content: what just happened, or why not. */
export function Notice({ kind, children }: { kind: "ok" | "error" | "info"; children: ComponentChildren }) {
  return (
    <div class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
