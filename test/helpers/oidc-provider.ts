// A real OpenID Connect provider for tests: oidc-provider (the certified Node implementation) on a local
// port, with one confidential client and a few accounts. Its own development sign-in and consent forms
// stay on: a test fills them in as a person would (see browser-agent.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { BrowserAgent, type Page } from "./browser-agent.ts";

export interface TestAccount {
  email?: string;
  emailVerified?: boolean;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

export interface TestProviderOptions {
  /**
   * Put the email in the ID token as well. By default the provider follows OpenID Connect Core 5.4: with
   * an access token issued, scope-requested claims are given at userinfo only.
   */
  emailInIdToken?: boolean;
}

/** Starts a provider on 127.0.0.1; `accounts` are keyed by the login typed into its sign-in form. */
export async function startOidcProvider(
  client: TestClient,
  accounts: Record<string, TestAccount>,
  options: TestProviderOptions = {},
): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    conformIdTokenClaims: !options.emailInIdToken,
    cookies: { keys: ["countersign-test-provider-cookie-key"] },
    // Set, so the provider does not print a notice for each default it would use.
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600 },
    pkce: { required: () => true },
    async findAccount(_ctx, sub) {
      const account = accounts[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(account.email !== undefined && { email: account.email }),
            ...(account.emailVerified !== undefined && { email_verified: account.emailVerified }),
          };
        },
      };
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Opens the provider's authorization URL in `agent` and fills in its sign-in and consent forms as `login`,
 * until the provider sends the browser to an address `backHere` accepts: answers that address, unrequested.
 */
export async function signInAtProvider(
  authorizationUrl: string,
  login: string,
  backHere: (next: string) => boolean,
  agent = new BrowserAgent(),
): Promise<URL> {
  let page: Page = await agent.open(authorizationUrl, { stopAt: backHere });
  for (let step = 0; step < 4 && !page.location; step++) {
    page = await agent.submit(page, { login, password: "any" }, backHere);
  }
  if (!page.location) throw new Error(`the provider never sent the browser back: ${page.body.slice(0, 300)}`);
  return new URL(page.location);
}
