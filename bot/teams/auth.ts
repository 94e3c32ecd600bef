// Bot Framework authentication from TeamsConfig: inbound JWTs are checked against the Bot Framework's
// OpenID keys, outbound calls carry a token for the bot's Entra ID app (MSAL, through botbuilder). Two
// test-only settings swap the endpoints for local fakes: TEAMS_OPENID_METADATA_URL (where signing keys
// are looked up) and TEAMS_TOKEN_URL (an OAuth2 client-credentials endpoint; MSAL only talks https to
// Entra ID, so that path is a small client of our own and production never takes it).
import {
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
} from "botbuilder";
import {
  AppCredentials,
  AuthenticationConstants,
  type AuthenticatorResult,
  ServiceClientCredentialsFactory,
} from "botframework-connector";
import type { TeamsConfig } from "../config.ts";

export function createAuthentication(config: TeamsConfig): ConfigurationBotFrameworkAuthentication {
  const credentials = config.tokenUrl
    ? new ClientCredentialsFactory(config.appId, config.appPassword ?? "", config.tokenUrl)
    : new ConfigurationServiceClientCredentialFactory({
        MicrosoftAppId: config.appId,
        MicrosoftAppPassword: config.appPassword,
        MicrosoftAppTenantId: config.tenantId,
        MicrosoftAppType: config.appType,
      });
  // Any parameterised endpoint makes botbuilder take all of them from here, so all are given.
  const endpoints = config.openIdMetadataUrl
    ? {
        ToChannelFromBotLoginUrl: `${AuthenticationConstants.ToChannelFromBotLoginUrlPrefix}${config.tenantId ?? AuthenticationConstants.DefaultChannelAuthTenant}`,
        ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
        ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
        OAuthUrl: AuthenticationConstants.OAuthUrl,
        ToBotFromChannelOpenIdMetadataUrl: config.openIdMetadataUrl,
        ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
        CallerId: "urn:botframework:azure",
        ValidateAuthority: true,
      }
    : {};
  return new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: config.appId,
      MicrosoftAppTenantId: config.tenantId,
      ...endpoints,
    },
    credentials,
  );
}

/** Client credentials from one token endpoint (TEAMS_TOKEN_URL); the test-only stand-in for MSAL. */
class ClientCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly password: string,
    private readonly tokenUrl: string,
  ) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined): Promise<AppCredentials> {
    if (appId !== this.appId) throw new Error(`credentials asked for app ${appId}, not this bot's`);
    return new TokenEndpointCredentials(appId, this.password, this.tokenUrl, audience);
  }

  // Never serialise the secret (botbuilder logs factories in some error paths).
  toJSON() {
    return { name: "ClientCredentialsFactory", appId: this.appId };
  }
}

/** The base class serialises without the secret, so the password field never reaches a log. */
class TokenEndpointCredentials extends AppCredentials {
  constructor(
    appId: string,
    private readonly password: string,
    private readonly tokenUrl: string,
    audience: string | undefined,
  ) {
    super(appId, undefined, audience);
  }

  protected override async refreshToken(): Promise<AuthenticatorResult> {
    const scope = this.oAuthScope.endsWith("/.default") ? this.oAuthScope : `${this.oAuthScope}/.default`;
    const res = await fetch(this.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: this.appId,
        client_secret: this.password,
        scope,
      }),
    });
    if (!res.ok) throw new Error(`token endpoint answered HTTP ${res.status}`);
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (typeof body.access_token !== "string") throw new Error("token endpoint gave no access_token");
    return {
      accessToken: body.access_token,
      expiresOn: new Date(Date.now() + (body.expires_in ?? 3600) * 1000),
    };
  }
}
