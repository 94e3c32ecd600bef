// OpenID Connect sign-in, the protocol half (bot/web/oidc/sign-in.ts), against real providers
// (oidc-provider) on local ports: what comes back is a verified email, or a refusal saying why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignInRefused } from "../../bot/web/oidc/refused.ts";
import { OidcSignIn } from "../../bot/web/oidc/sign-in.ts";
import { BrowserAgent } from "../helpers/browser-agent.ts";
import { signInAtProvider, startOidcProvider, type TestProvider } from "../helpers/oidc-provider.ts";

// Nothing listens here: the walk stops at the redirect back, and the test hands that URL over itself.
const REDIRECT = "http://127.0.0.1:9/console/login/oidc/callback";
const CLIENT = { clientId: "countersign", clientSecret: "countersign-test-secret", redirectUri: REDIRECT };
const ACCOUNTS = {
  ana: { email: "Ana@Example.com", emailVerified: true },
  uma: { email: "uma@example.com", emailVerified: false },
  nomail: {},
};

let provider: TestProvider;
/** Another provider that knows the same client and accounts: its answers must not be taken for the first's. */
let other: TestProvider;
/** A provider that puts the email in the ID token itself. */
let inToken: TestProvider;
beforeAll(async () => {
  [provider, other, inToken] = await Promise.all([
    startOidcProvider(CLIENT, ACCOUNTS),
    startOidcProvider(CLIENT, ACCOUNTS),
    startOidcProvider(CLIENT, ACCOUNTS, { emailInIdToken: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([provider?.close(), other?.close(), inToken?.close()]);
});

const oidcAt = (issuer: string) =>
  new OidcSignIn(
    { issuer, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret },
    { redirectUri: REDIRECT, timeoutSeconds: 5 },
  );
const backHere = (next: string) => next.startsWith(REDIRECT);

/** Fills in the provider's sign-in and consent forms as `login`; answers the URL it sends the browser back to. */
const throughProvider = (authorizationUrl: string, login: string) =>
  signInAtProvider(authorizationUrl, login, backHere);

async function refusal(p: Promise<unknown>): Promise<SignInRefused> {
  const err = await p.then(
    () => new Error("expected a refusal, but the sign-in succeeded"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SignInRefused);
  return err as SignInRefused;
}

describe("OpenID Connect sign-in against a real provider", () => {
  it("sends the browser to the provider with PKCE (S256), a state and a nonce", async () => {
    const { url, pending } = await oidcAt(provider.issuer).startSignIn();
    expect(url.origin).toBe(provider.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "countersign",
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "openid email",
      code_challenge_method: "S256",
      state: pending.state,
      nonce: pending.nonce,
    });
    expect(url.searchParams.get("code_challenge")).not.toBe(pending.codeVerifier);
  });

  it("answers the verified email, lowercased, whether the provider gives it at userinfo or in the ID token", async () => {
    for (const issuer of [provider.issuer, inToken.issuer]) {
      const oidc = oidcAt(issuer);
      const { url, pending } = await oidc.startSignIn();
      expect(await oidc.finishSignIn(await throughProvider(url.href, "ana"), pending)).toBe(
        "ana@example.com",
      );
    }
  });

  it("refuses an email the provider has not verified, naming it", async () => {
    const oidc = oidcAt(provider.issuer);
    const { url, pending } = await oidc.startSignIn();
    const err = await refusal(oidc.finishSignIn(await throughProvider(url.href, "uma"), pending));
    expect(err.reason).toBe("email_unverified");
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      "The provider has not verified uma@example.com. Verify it with the provider, then sign in again.",
    );
  });

  it("refuses an account without an email", async () => {
    const oidc = oidcAt(provider.issuer);
    const { url, pending } = await oidc.startSignIn();
    const err = await refusal(oidc.finishSignIn(await throughProvider(url.href, "nomail"), pending));
    expect(err.reason).toBe("no_email");
    expect(err.message).toContain("no email claim");
  });

  it("refuses an answer whose state is missing or belongs to another sign-in, before any code is redeemed", async () => {
    const oidc = oidcAt(provider.issuer);
    const { url, pending } = await oidc.startSignIn();
    const callback = await throughProvider(url.href, "ana");

    const forged = new URL(callback);
    forged.searchParams.set("state", "another-sign-in");
    const mismatch = await refusal(oidc.finishSignIn(forged, pending));
    expect(mismatch.reason).toBe("state_mismatch");
    expect(mismatch.message).toContain("belongs to another sign-in");

    const stateless = new URL(callback);
    stateless.searchParams.delete("state");
    const missing = await refusal(oidc.finishSignIn(stateless, pending));
    expect(missing.reason).toBe("state_mismatch");
    expect(missing.message).toContain("carried no state");

    const noCookie = await refusal(oidc.finishSignIn(callback, undefined));
    expect(noCookie.reason).toBe("no_pending_sign_in");

    // The code was never spent by the refusals: the real answer still signs in.
    expect(await oidc.finishSignIn(callback, pending)).toBe("ana@example.com");
  });

  it("refuses an answer from another provider (the issuer does not match), even one that knows the client", async () => {
    const oidc = oidcAt(provider.issuer);
    const { url, pending } = await oidc.startSignIn();
    // A mix-up: the same authorization request, answered by the other provider.
    const misdirected = new URL(url.pathname + url.search, other.issuer);
    const callback = await throughProvider(misdirected.href, "ana");
    expect(callback.searchParams.get("iss")).toBe(other.issuer);
    const err = await refusal(oidc.finishSignIn(callback, pending));
    expect(err.reason).toBe("wrong_issuer");
    expect(err.message).toContain(`did not come from the configured provider ${provider.issuer}`);

    // With the iss parameter stripped, it is still refused: the provider announced it always sends one.
    const { url: url2, pending: pending2 } = await oidc.startSignIn();
    const callback2 = await throughProvider(new URL(url2.pathname + url2.search, other.issuer).href, "ana");
    callback2.searchParams.delete("iss");
    const stripped = await refusal(oidc.finishSignIn(callback2, pending2));
    expect(stripped.reason).toBe("wrong_issuer");
    expect(stripped.message).toContain('"iss" (issuer) missing');
  });

  it("tells a person who cancelled at the provider that the provider refused", async () => {
    const oidc = oidcAt(provider.issuer);
    const { url, pending } = await oidc.startSignIn();
    const agent = new BrowserAgent();
    const loginForm = await agent.open(url.href, { stopAt: backHere });
    const back = await agent.click(loginForm, "Cancel", backHere);
    const err = await refusal(oidc.finishSignIn(new URL(back.location!), pending));
    expect(err.reason).toBe("provider_refused");
    expect(err.message).toContain("access_denied");
  });

  it("says the provider cannot be used when nothing answers at the issuer", async () => {
    const gone = await startOidcProvider(CLIENT, ACCOUNTS);
    await gone.close();
    const oidc = oidcAt(gone.issuer);
    const err = await refusal(oidc.startSignIn());
    expect(err.reason).toBe("provider_unavailable");
    expect(err.status).toBe(502);
    expect(err.message).toContain(`The OpenID Connect provider ${gone.issuer} could not be used`);
  });
});
