// html`…` (blocks/html/markup.ts) must escape exactly as Preact's renderer does: Pending's rows are made
// with it and the rest of the page with Preact, and a value that one escapes and the other does not would
// be markup an agent could write. Compared with preact-render-to-string itself, so a change on either side
// shows here.
import { h } from "preact";
import { render } from "preact-render-to-string";
import { describe, expect, it } from "vitest";
import { escapeHtml, html, Markup } from "../../blocks/html/markup.ts";

const HOSTILE = [
  `<script>alert("x")</script>`,
  `"><img src=x onerror=alert(1)>`,
  `a & b &amp; c`,
  `he said "no"`,
  `it's > 3 'quoted'`,
  `tab\tnew\nline`,
  `€ · — … 😀`,
  `&lt;already&gt;`,
  "",
  "plain",
];

describe("html`…`", () => {
  it("escapes text and attribute values as Preact does", () => {
    for (const s of HOSTILE) {
      const preact = render(h("p", { title: `t${s}` }, s));
      expect(html`<p title="t${s}">${s}</p>`.text).toBe(preact);
    }
  });

  it("never leaves a quote, ampersand or opening bracket unescaped", () => {
    for (const s of HOSTILE) expect(escapeHtml(s)).not.toMatch(/["<]|&(?!(amp|lt|quot);)/);
  });

  it("places Markup as is, lists joined, numbers as numbers, and nothing for false, null or undefined", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`${inner}|${[inner, "&", 3]}|${false}${null}${undefined}|${0}`.text).toBe(
      "<b>&lt;i></b>|<b>&lt;i></b>&amp;3||0",
    );
    // A plain string that looks like markup is still text.
    expect(html`${"<b>x</b>"}`.text).toBe("&lt;b>x&lt;/b>");
    expect(String(new Markup("<hr/>"))).toBe("<hr/>");
  });
});
