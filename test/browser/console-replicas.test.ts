// The console across two server processes on one PostgreSQL: a session made on A is honoured by B (it
// lives in the database), signing out on A ends it on B at once, and a decision made on A reaches a page
// open on B within a second (B hears A's NOTIFY). PostgreSQL only: PGlite is one process's database.
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, NO_BROWSER } from "../helpers/browser.ts";
import { backend } from "../helpers/db.ts";
import { callServer as call, type ServerFixture, serverFixture } from "../helpers/server-fixture.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";
import { teamWorldYaml } from "../helpers/team-world.ts";

const ADMIN_KEY = "console-replicas-admin-key-0123456789";

if (NO_BROWSER) console.log(NO_BROWSER);

describe.skipIf(backend !== "postgres" || !!NO_BROWSER)(
  "the console on two server processes (PostgreSQL only: PGlite is one process)",
  () => {
    let fixture: ServerFixture;
    let a: ServerProcess;
    let b: ServerProcess;
    let browser: Browser;
    let page: Page;
    let agentKey: string;
    let benKey: string;

    beforeAll(async () => {
      fixture = await serverFixture("console", teamWorldYaml("http://127.0.0.1:9"), ADMIN_KEY);
      const { env, dir } = fixture;
      [a, b] = await Promise.all([
        startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(dir, "a") }),
        startServerProcess({ ...env, COUNTERSIGN_DATA_DIR: path.join(dir, "b") }),
      ]);
      agentKey = (await call("POST", `${a.url}/v1/keys`, ADMIN_KEY, { agent: "payments-bot" })).body.key;
      await call("POST", `${a.url}/v1/keys`, ADMIN_KEY, { operator: "ana@example.com" });
      benKey = (await call("POST", `${a.url}/v1/keys`, ADMIN_KEY, { operator: "ben@example.com" })).body.key;
      browser = await launchBrowser();
      page = await (await browser.newContext()).newPage();
      // Signed in on A. Both processes are on 127.0.0.1, and cookies do not depend on the port, so the
      // same browser presents the session to B as well.
      const link = await call("POST", `${a.url}/v1/console/links`, ADMIN_KEY, {
        operator: "ana@example.com",
      });
      const url = new URL(link.body.url);
      await page.goto(a.url + url.pathname + url.search);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${a.url}/console/approvals`);
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await Promise.all([a?.stop(), b?.stop()]);
      await fixture?.remove();
    });

    it("shows on B, within a second and without reload, a decision made on A", async () => {
      const created = await call("POST", `${a.url}/v1/tool-calls`, agentKey, {
        tool: "refund.issue",
        input: { ticket: "T-1" },
      });
      const approvalId = created.body.approvalId as string;
      await page.goto(`${b.url}/console/approvals`);
      const row = page.locator(`li.row[data-id="${approvalId}"]`);
      await row.waitFor();
      const decided = await call("POST", `${a.url}/v1/approvals/${approvalId}`, benKey, {
        decision: "reject",
        rationale: "not ours",
      });
      expect(decided.status).toBe(200);
      await row.waitFor({ state: "detached", timeout: 1000 });
    });

    it("ends the session on B when the person signs out on A", async () => {
      const session = (await page.context().cookies()).find((c) => c.name === "countersign_session");
      expect(session).toBeDefined();
      // The session cookie as someone might have kept it: presented to B directly.
      const onB = () =>
        fetch(`${b.url}/console/approvals`, {
          headers: { cookie: `countersign_session=${session!.value}` },
          redirect: "manual",
        });
      expect((await onB()).status).toBe(200);

      await page.goto(`${a.url}/console/approvals`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/console\/login\?signed_out=1/);
      const refused = await onB();
      expect(refused.status).toBe(303);
      expect(refused.headers.get("location")).toMatch(/^\/console\/login\?next=/);
      await page.goto(`${b.url}/console/approvals`);
      expect(new URL(page.url()).pathname).toBe("/console/login");
    });
  },
);
