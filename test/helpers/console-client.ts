// A person's browser, reduced to what HTTP tests of the console need: a cookie jar, the CSRF token of the
// last page, and form POSTs. The browser tests (test/browser/) use a real Chromium instead.
export class ConsoleClient {
  private readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that carried a form. */
  csrf = "";

  constructor(readonly base: string) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === "" || /Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private async send(
    path: string,
    init: RequestInit,
  ): Promise<{ status: number; location: string | null; html: string }> {
    const res = await fetch(this.base + path, {
      ...init,
      redirect: "manual",
      headers: { ...init.headers, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    this.remember(res);
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html);
    if (token) this.csrf = token[1]!;
    return { status: res.status, location: res.headers.get("location"), html };
  }

  get(path: string) {
    return this.send(path, { method: "GET" });
  }

  /** A form POST carrying the CSRF token of the last page (unless the form gives its own _csrf). */
  post(path: string, form: Record<string, string>) {
    return this.send(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: this.csrf, ...form }),
    });
  }

  /** Signs in with a one-time link's URL (any origin: only its path and query are used). */
  async signInWith(link: string): Promise<void> {
    const url = new URL(link);
    const page = await this.get(url.pathname + url.search);
    if (page.status !== 200) throw new Error(`the sign-in link answered ${page.status}: ${page.html}`);
    const done = await this.post("/console/login/link", { token: url.searchParams.get("token")! });
    if (done.status !== 303) throw new Error(`signing in answered ${done.status}: ${done.html}`);
  }
}
