// Console sign-in through an OpenID Connect provider, with openid-client doing the protocol: the
// authorization code flow with PKCE, state and nonce; the ID token's signature, issuer, audience and
// nonce checked; the email taken from the verified claims (or the subject-checked userinfo).
// What comes out is one email, or a SignInRefused saying why; who that email may be is the caller's
// business (a known operator), and so is the session.
import * as client from "openid-client";
import type { OidcConfig } from "../../config.ts";
import { SignInRefused } from "./refused.ts";

/** What must survive the round trip through the provider: kept by the browser in a short-lived cookie. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcSignInOptions {
  /** Where the provider sends the browser back: PUBLIC_URL + the callback path, registered with the provider. */
  redirectUri: string;
  /** How long one request to the provider may take. */
  timeoutSeconds?: number;
}

export class OidcSignIn {
  private discovered: Promise<client.Configuration> | undefined;

  constructor(
    private readonly config: OidcConfig,
    private readonly options: OidcSignInOptions,
  ) {}

  get issuer(): string {
    return this.config.issuer;
  }

  /** The provider's authorization URL to send the browser to, and what the callback will need. */
  async startSignIn(): Promise<{ url: URL; pending: PendingSignIn }> {
    const provider = await this.provider();
    const pending: PendingSignIn = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(provider, {
      redirect_uri: this.options.redirectUri,
      scope: "openid email",
      response_type: "code",
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: "S256",
    });
    return { url, pending };
  }

  /**
   * The callback: `callbackUrl` as the browser asked for it (PUBLIC_URL based, with the query), `pending`
   * from the cookie (undefined when there is none). Answers the verified email, lowercased.
   */
  async finishSignIn(callbackUrl: URL, pending: PendingSignIn | undefined): Promise<string> {
    const params = callbackUrl.searchParams;
    // Checked here before the library does, so that each refusal can say what happened in words.
    if (!pending) {
      throw new SignInRefused(
        "no_pending_sign_in",
        "This sign-in was not started in this browser, or it took longer than 10 minutes.",
      );
    }
    const returnedState = params.get("state");
    if (returnedState === null || returnedState !== pending.state) {
      throw new SignInRefused(
        "state_mismatch",
        returnedState === null
          ? "The provider's answer carried no state, so it cannot be matched to a sign-in started here."
          : "The provider's answer belongs to another sign-in (its state does not match the one started in this browser; was a second sign-in started in another tab?).",
      );
    }
    const error = params.get("error");
    if (error !== null) {
      const description = params.get("error_description");
      throw new SignInRefused(
        "provider_refused",
        `The provider refused the sign-in: ${error}${description ? ` (${description})` : ""}.`,
      );
    }

    const provider = await this.provider();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(provider, callbackUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw refusalFor(err, this.config.issuer);
    }

    const idClaims = tokens.claims()!;
    let claims: Record<string, unknown> = idClaims;
    // Many providers put the email only in userinfo (OpenID Connect Core 5.4 when an access token is
    // issued); openid-client checks its subject is the ID token's.
    if (typeof claims.email !== "string") {
      try {
        claims = await client.fetchUserInfo(provider, tokens.access_token, idClaims.sub);
      } catch (err) {
        throw refusalFor(err, this.config.issuer);
      }
    }
    if (typeof claims.email !== "string" || claims.email.trim() === "") {
      throw new SignInRefused(
        "no_email",
        "The provider did not say who you are by email (no email claim; the client must be allowed the email scope).",
      );
    }
    const email = claims.email.trim().toLowerCase();
    if (claims.email_verified === false) {
      throw new SignInRefused(
        "email_unverified",
        `The provider has not verified ${email}. Verify it with the provider, then sign in again.`,
        email,
      );
    }
    return email;
  }

  /** Discovered once; a failure is forgotten, so the next sign-in tries the provider again. */
  private provider(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.config.issuer);
    const insecure = issuer.protocol === "http:";
    try {
      // The timeout holds for every later request to the provider too.
      return await client.discovery(issuer, this.config.clientId, this.config.clientSecret, undefined, {
        timeout: this.options.timeoutSeconds ?? 10,
        // Plain http is accepted by the config only for a provider on this machine.
        ...(insecure && { execute: [client.allowInsecureRequests] }),
      });
    } catch (err) {
      throw new SignInRefused(
        "provider_unavailable",
        `The OpenID Connect provider ${this.config.issuer} could not be used: ${reasonOf(err)}. Try again in a moment, or tell an admin.`,
      );
    }
  }
}

/** openid-client's errors, in words: an answer from another issuer is told apart from other failures. */
function refusalFor(err: unknown, issuer: string): SignInRefused {
  const reason = reasonOf(err);
  if (/\biss\b|"iss"|issuer/i.test(reason)) {
    return new SignInRefused(
      "wrong_issuer",
      `The answer did not come from the configured provider ${issuer} (${reason}).`,
    );
  }
  if (err instanceof client.AuthorizationResponseError) {
    return new SignInRefused("provider_refused", `The provider refused the sign-in: ${err.error}.`);
  }
  return new SignInRefused("not_verified", `The provider's answer could not be verified: ${reason}.`);
}

/** The innermost message: openid-client wraps the specific one (`unexpected "iss"…`) in a general one. */
function reasonOf(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 5; e = e.cause) messages.push(e.message);
  return messages.length > 0 ? messages.join(": ") : String(err);
}
