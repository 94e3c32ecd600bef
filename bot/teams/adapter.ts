// botbuilder's CloudAdapter, with the seams Countersign needs: authentication as its own step (so a bad
// token is refused before the body is even looked at), running a turn on an already authenticated
// request, and Bot Connector clients for proactive calls that do not retry on their own: the delivery
// dispatcher owns retries and honours Retry-After, and a client sleeping inside a lease would hide both.
import type {
  Activity,
  ConfigurationBotFrameworkAuthentication,
  InvokeResponse,
  TurnContext,
} from "botbuilder";
import { CloudAdapter } from "botbuilder";
import {
  type AuthenticateRequestResult,
  AuthenticationConstants,
  ClaimsIdentity,
  type ConnectorClient,
  TeamsConnectorClient,
} from "botframework-connector";

/** The name core-rest-pipeline gives the retry policy every Azure SDK client gets by default. */
const BUILT_IN_RETRY = "defaultRetryPolicy";

export class TeamsAdapter extends CloudAdapter {
  constructor(
    private readonly auth: ConfigurationBotFrameworkAuthentication,
    private readonly appId: string,
  ) {
    super(auth);
  }

  /** Checks the request's JWT (signature, issuer, audience, the channel's endorsement, serviceUrl claim). */
  authenticate(
    activity: { channelId: string; serviceUrl: string | undefined },
    authHeader: string,
  ): Promise<AuthenticateRequestResult> {
    return this.auth.authenticateRequest(activity as Activity, authHeader);
  }

  /** Runs one turn of an authenticated request; an invoke's answer comes back. */
  run(
    authenticated: AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(authenticated, activity, logic);
  }

  /** A Bot Connector client for `serviceUrl`, acting as this bot, that fails fast instead of retrying. */
  async connector(serviceUrl: string): Promise<ConnectorClient> {
    const identity = new ClaimsIdentity([
      { type: AuthenticationConstants.AudienceClaim, value: this.appId },
      { type: AuthenticationConstants.AppIdClaim, value: this.appId },
    ]);
    const client = await this.auth.createConnectorFactory(identity).create(serviceUrl, undefined);
    withoutBuiltInRetries(client);
    return client;
  }

  /** The Teams-specific operations (a team's channels) on the same credentials. */
  async teamsConnector(serviceUrl: string): Promise<TeamsConnectorClient> {
    const client = new TeamsConnectorClient((await this.connector(serviceUrl)).credentials, {
      baseUri: serviceUrl,
    });
    withoutBuiltInRetries(client);
    return client;
  }
}

interface WithPipeline {
  client?: { pipeline?: { removePolicy(options: { name: string }): unknown[] } };
}

/**
 * The Azure pipeline under botbuilder's clients is private; removing its retry policy is the one reach
 * inside. Should a botbuilder release rename it, this throws at the first proactive call instead of
 * silently sleeping through 429s.
 */
function withoutBuiltInRetries(client: object): void {
  const removed = (client as WithPipeline).client?.pipeline?.removePolicy({ name: BUILT_IN_RETRY });
  if (removed?.length !== 1) {
    throw new Error(
      `botbuilder's connector client has no ${BUILT_IN_RETRY} to remove; see bot/teams/adapter.ts`,
    );
  }
}
