// Who a Slack user is to Countersign: matched to Team and Role members by Slack id first, by email
// (users.info, needs users:read.email) second — but only for users of the app's own workspace (or
// Enterprise Grid organisation): a Slack Connect guest's email is set by another organisation's admin,
// so it proves nothing. Their Slack user groups (a Team's slackUserGroup) come
// from usergroups.users.list, cached briefly so a membership change counts within a minute.
import type { Logger } from "pino";
import type { Actor } from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import { CodedError } from "../../handlers/errors.ts";
import type { WebClient } from "./web.ts";

const EMAIL_TTL_MS = 10 * 60_000;
const GROUP_TTL_MS = 60_000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class SlackIdentity {
  private readonly emails = new Map<string, Cached<EmailLookup>>();
  private home: Promise<Home> | undefined;
  private readonly groups = new Map<string, Cached<Set<string>>>();

  constructor(
    private readonly web: WebClient,
    private readonly deps: HandlerDeps,
    private readonly logger: Logger,
  ) {}

  /** The actor a Slack user id stands for; throws when Countersign cannot tell who it is. */
  async actor(userId: string): Promise<Actor> {
    const [lookup, slackGroups] = await Promise.all([this.email(userId), this.groupsOf(userId)]);
    if (lookup.foreign) {
      throw new CodedError(
        "forbidden",
        `Countersign cannot tell who you are: your Slack account ${userId} belongs to another Slack ` +
          "workspace, and people from other workspaces are recognised only by their Slack id. Ask an admin " +
          `to add \`slack: ${userId}\` to your member entry.`,
      );
    }
    const email = lookup.email;
    if (!email) {
      throw new CodedError(
        "forbidden",
        `Countersign cannot tell who you are: your Slack id ${userId} is on no Team or Role and your Slack ` +
          "profile shows no email to the app (users:read.email). Ask an admin to add `slack: " +
          `${userId}\` to your member entry.`,
      );
    }
    return { email, slackGroups };
  }

  private async email(userId: string): Promise<EmailLookup> {
    const { teams, roles } = this.deps.resources();
    for (const holder of [...teams.values(), ...roles.values()]) {
      const member = holder.members.find((m) => m.slack === userId);
      if (member) return { email: member.email.toLowerCase(), foreign: false };
    }
    return cached(this.emails, userId, EMAIL_TTL_MS, async () => {
      const [res, home] = await Promise.all([this.web.users.info({ user: userId }), this.homeWorkspace()]);
      const user = res.user;
      const sameOrg =
        user?.team_id === home.teamId ||
        (home.enterpriseId !== undefined && user?.enterprise_user?.enterprise_id === home.enterpriseId);
      if (!sameOrg) return { email: undefined, foreign: true };
      return { email: user?.profile?.email?.toLowerCase(), foreign: false };
    });
  }

  /** The app's own workspace (and Enterprise Grid organisation), asked once. */
  private homeWorkspace(): Promise<Home> {
    this.home ??= this.web.auth.test().then(
      (r) => ({ teamId: r.team_id, enterpriseId: r.enterprise_id || undefined }),
      (err) => {
        this.home = undefined;
        throw err;
      },
    );
    return this.home;
  }

  /** The ids of the Teams' Slack user groups this user is in. */
  private async groupsOf(userId: string): Promise<string[]> {
    const groupIds = new Set<string>();
    for (const team of this.deps.resources().teams.values())
      if (team.slackUserGroup) groupIds.add(team.slackUserGroup);
    const member = await Promise.all(
      [...groupIds].map(async (g) => ((await this.members(g)).has(userId) ? g : undefined)),
    );
    return member.filter((g): g is string => g !== undefined);
  }

  private members(group: string): Promise<Set<string>> {
    return cached(this.groups, group, GROUP_TTL_MS, async () => {
      try {
        const res = await this.web.usergroups.users.list({ usergroup: group });
        return new Set(res.users ?? []);
      } catch (err) {
        // An unreadable group grants nothing; the people listed by email still decide.
        this.logger.warn({ err, group }, "could not read Slack user group members");
        return new Set<string>();
      }
    });
  }
}

interface EmailLookup {
  email: string | undefined;
  /** A user of another workspace (Slack Connect): their email is not evidence of who they are. */
  foreign: boolean;
}

interface Home {
  teamId: string | undefined;
  enterpriseId: string | undefined;
}

function cached<T>(
  cache: Map<string, Cached<T>>,
  key: string,
  ttl: number,
  load: () => Promise<T>,
): Promise<T> {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < ttl) return hit.value;
  const value = load();
  cache.set(key, { at: Date.now(), value });
  // A failed lookup is not cached: the next click asks Slack again.
  value.catch(() => cache.delete(key));
  return value;
}
