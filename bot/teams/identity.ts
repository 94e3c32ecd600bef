// Who a Teams user is to Countersign. First by the Entra ID (AAD) object id Teams puts on every activity,
// matched to Team and Role members' `teams:` ids. Failing that, by email, asked of the Bot Connector (the
// member's email, else their UPN) — but only for users of the bot's own tenant (TEAMS_APP_TENANT_ID):
// the admin of any other tenant sets what its users' email says, so it proves nothing about who they are.
import type { Activity } from "botbuilder";
import type { Logger } from "pino";
import type { Actor } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { CodedError } from "../../handlers/errors.ts";
import type { TeamsAdapter } from "./adapter.ts";

const EMAIL_TTL_MS = 10 * 60_000;

interface TeamsMember {
  email?: string;
  userPrincipalName?: string;
}

export class TeamsIdentity {
  private readonly emails = new Map<string, { at: number; value: Promise<string | undefined> }>();

  constructor(
    private readonly deps: HandlerDeps,
    private readonly adapter: TeamsAdapter,
    private readonly tenantId: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** The actor behind an activity; throws `forbidden` when Countersign cannot tell who it is. */
  async actor(activity: Activity): Promise<Actor> {
    const aadObjectId = activity.from?.aadObjectId?.toLowerCase();
    const byId = aadObjectId ? this.memberEmail(aadObjectId) : undefined;
    if (byId) return { email: byId };
    const byEmail = this.ownTenant(activity) ? await this.connectorEmail(activity) : undefined;
    if (byEmail) return { email: byEmail };
    throw new CodedError(
      "forbidden",
      `Countersign cannot tell who you are: your Teams account (object id ${aadObjectId ?? "unknown"}) is on ` +
        `no Team or Role. Ask an admin to add \`teams: ${aadObjectId ?? "<your object id>"}\` to your member entry.`,
    );
  }

  private memberEmail(aadObjectId: string): string | undefined {
    const { teams, roles } = this.deps.resources();
    for (const holder of [...teams.values(), ...roles.values()]) {
      const member = holder.members.find((m) => m.teams?.toLowerCase() === aadObjectId);
      if (member) return member.email.toLowerCase();
    }
    return undefined;
  }

  private ownTenant(activity: Activity): boolean {
    const tenant =
      activity.conversation?.tenantId ??
      (activity.channelData as { tenant?: { id?: string } } | undefined)?.tenant?.id;
    return this.tenantId !== undefined && tenant?.toLowerCase() === this.tenantId.toLowerCase();
  }

  private connectorEmail(activity: Activity): Promise<string | undefined> {
    // In a channel, members are read from the team (as botbuilder's TeamsInfo.getMember does).
    const team = (activity.channelData as { team?: { id?: string } } | undefined)?.team?.id;
    const roster = team ?? activity.conversation.id;
    const key = `${activity.serviceUrl}|${roster}|${activity.from.id}`;
    const hit = this.emails.get(key);
    if (hit && Date.now() - hit.at < EMAIL_TTL_MS) return hit.value;
    const value = this.adapter
      .connector(activity.serviceUrl)
      .then((c) => c.conversations.getConversationMember(roster, activity.from.id))
      .then((m) => {
        const member = m as TeamsMember;
        const email =
          member.email ?? (member.userPrincipalName?.includes("@") ? member.userPrincipalName : undefined);
        return email?.toLowerCase();
      });
    this.emails.set(key, { at: Date.now(), value });
    // A failed lookup is not cached, and matches no one: the person is told who to ask.
    return value.catch((err) => {
      this.emails.delete(key);
      this.logger.warn({ err, user: activity.from.id }, "could not read a Teams member's email");
      return undefined;
    });
  }
}
