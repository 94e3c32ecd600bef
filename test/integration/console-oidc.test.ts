// Console sign-in through OpenID Connect, end to end over real HTTP: the console's /console/login/oidc,
// a real provider (oidc-provider) on a local port whose sign-in and consent forms are filled in, the
// callback, and the database session that follows. Every refusal is a page saying why, and no session.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleSessions } from "../../db/schema.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { BrowserAgent, type Page } from "../helpers/browser-agent.ts";
import { signInAtProvider, startOidcProvider, type TestProvider } from "../helpers/oidc-provider.ts";
import { freePort } from "../helpers/server-process.ts";

const SECRET = "console-oidc-test-secret";
const ACCOUNTS = {
  // ana@ and ben@ are members of the reference Team billing-leads; dan@ is named nowhere but holds an
  // operator key; mallory@ is unknown to Countersign.
  ana: { email: "ana@example.com", emailVerified: true },
  "ben-unverified": { email: "ben@example.com", emailVerified: false },
  dan: { email: "Dan@Example.com", emailVerified: true },
  mallory: { email: "mallory@example.com", emailVerified: true },
};

let t: TestApp;
let provider: TestProvider;
/** Knows the same client: what it answers must not sign anyone in. */
let impostor: TestProvider;
let callbackPath: string;

beforeAll(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  callbackPath = `${base}/console/login/oidc/callback`;
  const client = { clientId: "countersign", clientSecret: SECRET, redirectUri: callbackPath };
  [provider, impostor] = await Promise.all([
    startOidcProvider(client, ACCOUNTS),
    startOidcProvider(client, ACCOUNTS),
  ]);
  t = await startTestApp({
    env: {
      PORT: String(port),
      COUNTERSIGN_OIDC_ISSUER: provider.issuer,
      COUNTERSIGN_OIDC_CLIENT_ID: "countersign",
      COUNTERSIGN_OIDC_CLIENT_SECRET: SECRET,
    },
  });
  await t.operatorKey("dan@example.com");
});
afterAll(async () => {
  await t?.close();
  await Promise.all([provider?.close(), impostor?.close()]);
});

const backHere = (next: string) => next.startsWith(callbackPath);

/**
 * Starts a sign-in at the console, signs in at the provider as `login`, and stops where the provider
 * sends the browser back: answers the agent (holding the console's cookies) and that callback URL.
 * `via` rewrites the provider's address, for a provider other than the configured one.
 */
async function toCallback(
  login: string,
  via?: string,
  startPath = "/console/login/oidc",
): Promise<{ agent: BrowserAgent; callback: string }> {
  const agent = new BrowserAgent();
  const start = await agent.open(`${t.url}${startPath}`, {
    stopAt: (next) => !next.startsWith(t.url),
  });
  expect(start.status).toBe(303);
  let authorization = new URL(start.location!);
  expect(authorization.origin).toBe(provider.issuer);
  if (via) authorization = new URL(authorization.pathname + authorization.search, via);
  const callback = await signInAtProvider(authorization.href, login, backHere, agent);
  return { agent, callback: callback.href };
}

/** What a signed-in person would see of Pending with this agent's cookies. */
async function pending(agent: BrowserAgent): Promise<Page> {
  return agent.open(`${t.url}/console/approvals`);
}

function expectNoSession(agent: BrowserAgent): void {
  expect(agent.cookie(t.url, "countersign_session")).toBeUndefined();
}

describe("console sign-in with OpenID Connect", () => {
  it("offers the organisation's sign-in on the sign-in page", async () => {
    const page = await new BrowserAgent().open(`${t.url}/console/login`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`href="/console/login/oidc"`);
    expect(page.body).toContain("Sign in with your organisation's account");
  });

  it("signs a Team member in: lands on Pending as that person, with a session in the database", async () => {
    const { agent, callback } = await toCallback("ana");
    const landed = await agent.open(callback);
    expect(new URL(landed.url).pathname).toBe("/console/approvals");
    expect(landed.status).toBe(200);
    expect(landed.body).toContain("ana@example.com");
    expect(agent.cookie(t.url, "countersign_session")).toBeDefined();
    // The round-trip cookie is spent.
    expect(agent.cookie(t.url, "countersign_oidc")).toBeUndefined();
    // ana@ holds no operator key: the resources naming her is what let her in, and keeps her in.
    const sessions = await t.database.db
      .select({ email: consoleSessions.email, method: consoleSessions.method })
      .from(consoleSessions)
      .where(eq(consoleSessions.email, "ana@example.com"));
    expect(sessions).toEqual([{ email: "ana@example.com", method: "oidc" }]);
    expect((await pending(agent)).status).toBe(200);
  });

  it("signs in a person the resources do not name but who holds an operator key", async () => {
    const { agent, callback } = await toCallback("dan");
    const landed = await agent.open(callback);
    expect(new URL(landed.url).pathname).toBe("/console/approvals");
    expect(landed.body).toContain("dan@example.com");
  });

  it("returns to the console page the sign-in began from, and never to another site", async () => {
    const wanted = "/console/approvals/approval-none-such";
    const { agent, callback } = await toCallback(
      "ana",
      undefined,
      `/console/login/oidc?next=${encodeURIComponent(wanted)}`,
    );
    const back = await agent.open(callback, { stopAt: (next) => next.startsWith(t.url) });
    expect(back.location).toBe(`${t.url}${wanted}`);

    const away = await toCallback("ana", undefined, "/console/login/oidc?next=%2F%2Fevil.example.com%2F");
    const landed = await away.agent.open(away.callback, { stopAt: (next) => next.startsWith(t.url) });
    expect(landed.location).toBe(`${t.url}/console/approvals`);
  });

  it("refuses an answer whose state was changed or is missing: a page saying so, no session", async () => {
    const { agent, callback } = await toCallback("ana");
    const forged = new URL(callback);
    forged.searchParams.set("state", "someone-elses-sign-in");
    const page = await agent.open(forged.href);
    expect(page.status).toBe(400);
    expect(page.body).toContain("belongs to another sign-in");
    expectNoSession(agent);
    expect(new URL((await pending(agent)).url).pathname).toBe("/console/login");

    const again = await toCallback("ana");
    const stateless = new URL(again.callback);
    stateless.searchParams.delete("state");
    const missing = await again.agent.open(stateless.href);
    expect(missing.status).toBe(400);
    expect(missing.body).toContain("carried no state");
    expectNoSession(again.agent);
  });

  it("refuses a callback in a browser that never started a sign-in", async () => {
    const { callback } = await toCallback("ana");
    const stranger = new BrowserAgent();
    const page = await stranger.open(callback);
    expect(page.status).toBe(400);
    expect(page.body).toContain("was not started in this browser");
    expectNoSession(stranger);
  });

  it("refuses an answer from another provider (issuer mismatch), though it knows the client and the person", async () => {
    const { agent, callback } = await toCallback("ana", impostor.issuer);
    const page = await agent.open(callback);
    expect(page.status).toBe(400);
    expect(page.body).toContain(`did not come from the configured provider ${provider.issuer}`);
    expectNoSession(agent);
  });

  it("refuses an email the resources do not know, telling why", async () => {
    const { agent, callback } = await toCallback("mallory");
    const page = await agent.open(callback);
    expect(page.status).toBe(403);
    expect(page.body).toContain("mallory@example.com is not a person Countersign knows");
    expect(page.body).toContain("Ask an admin to add you");
    expectNoSession(agent);
  });

  it("refuses an email the provider has not verified, though the resources know it", async () => {
    const { agent, callback } = await toCallback("ben-unverified");
    const page = await agent.open(callback);
    expect(page.status).toBe(403);
    expect(page.body).toContain("The provider has not verified ben@example.com");
    expectNoSession(agent);
  });
});
