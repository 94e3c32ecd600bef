// A browser reduced to what a sign-in needs: plain HTTP that follows redirects across origins, keeps each
// origin's cookies, and submits the HTML form a page shows (the provider's sign-in and consent forms).

export interface Page {
  url: string;
  status: number;
  body: string;
  /** Set when the walk stopped at a redirect (see `stopAt`): where it pointed. */
  location?: string;
}

export class BrowserAgent {
  /** Cookies by origin, then name (paths are ignored: each test walks one flow at a time). */
  readonly cookies = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string): string | undefined {
    return this.cookies.get(origin)?.get(name);
  }

  /**
   * Requests `url`, then follows redirects (303 and 302 become GETs) until a page answers, or until the
   * next location satisfies `stopAt` — then that location is answered without being requested.
   */
  async open(
    url: string,
    opts: { method?: string; form?: Record<string, string>; stopAt?: (next: string) => boolean } = {},
  ): Promise<Page> {
    let method = opts.method ?? "GET";
    let body: string | undefined = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const res = await fetch(current, {
        method,
        redirect: "manual",
        headers: {
          ...(body !== undefined && { "content-type": "application/x-www-form-urlencoded" }),
          ...this.cookieHeader(current),
        },
        body,
      });
      this.keepCookies(current, res.headers.getSetCookie());
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) {
        return { url: current, status: res.status, body: await res.text() };
      }
      await res.body?.cancel();
      const next = new URL(location, current).href;
      if (opts.stopAt?.(next)) return { url: current, status: res.status, body: "", location: next };
      current = next;
      if (res.status !== 307 && res.status !== 308) {
        method = "GET";
        body = undefined;
      }
    }
    throw new Error(`more than 20 redirects from ${url}`);
  }

  /** Submits the page's first POST form with its hidden fields and `fields` filled in. */
  submit(page: Page, fields: Record<string, string>, stopAt?: (next: string) => boolean): Promise<Page> {
    const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url} (status ${page.status}): ${page.body.slice(0, 300)}`);
    const action = attribute(form[0].slice(0, form[0].indexOf(">") + 1), "action") ?? page.url;
    const values: Record<string, string> = {};
    for (const input of form[1]!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input[0], "name");
      if (name && attribute(input[0], "type") === "hidden") values[name] = attribute(input[0], "value") ?? "";
    }
    return this.open(new URL(action, page.url).href, {
      method: "POST",
      form: { ...values, ...fields },
      stopAt,
    });
  }

  /** Follows the page's link whose text contains `text` (the provider's "[ Cancel ]"). */
  click(page: Page, text: string, stopAt?: (next: string) => boolean): Promise<Page> {
    for (const a of page.body.matchAll(/<a\b[^>]*>([\s\S]*?)<\/a>/gi)) {
      const href = attribute(a[0].slice(0, a[0].indexOf(">") + 1), "href");
      if (href && a[1]!.includes(text)) return this.open(new URL(href, page.url).href, { stopAt });
    }
    throw new Error(`no link "${text}" on ${page.url}`);
  }

  private cookieHeader(url: string): Record<string, string> {
    const jar = this.cookies.get(new URL(url).origin);
    if (!jar || jar.size === 0) return {};
    return { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
  }

  private keepCookies(url: string, setCookies: string[]): void {
    const origin = new URL(url).origin;
    const jar = this.cookies.get(origin) ?? new Map<string, string>();
    this.cookies.set(origin, jar);
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split("=");
        const key = k!.toLowerCase();
        return (key === "max-age" && Number(v) <= 0) || (key === "expires" && Date.parse(v!) <= Date.now());
      });
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, "i").exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? m[4] ?? "") : undefined;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}
