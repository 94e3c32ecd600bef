// A page for whatever went wrong: not found, refused, a stale form. Says what happened and where to go.
import { Notice, renderPage, type Viewer } from "./layout.tsx";

export function errorPage(p: {
  title: string;
  message: string;
  viewer: Viewer | null;
  pending: number | null;
}) {
  return renderPage({
    title: p.title,
    viewer: p.viewer,
    pending: p.pending,
    children: (
      <section class="narrow">
        <h1>{p.title}</h1>
        <Notice kind="error">{p.message}</Notice>
        <p>
          <a href="/console/approvals">Back to Pending</a>
        </p>
      </section>
    ),
  });
}
