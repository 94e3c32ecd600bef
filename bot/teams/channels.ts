// Where a `teams:` channel posts. `teams:<conversation id>` is used as it is (a channel's id, a group
// chat's or a personal chat's). `teams:<team id>/<channel>` names a channel of a team: by its id
// (`19:…@thread.tacv2`), used as it is, or by its display name, looked up in the team's channel list
// through the Bot Connector (so the app must be installed in that team). Team display names cannot be
// resolved by a bot, so the team is always given by its id (the General channel's `19:…@thread.skype`).
import { DeliveryError } from "../deliveries/notifier.ts";
import type { TeamsAdapter } from "./adapter.ts";
import { toDeliveryError } from "./errors.ts";

const TTL_MS = 10 * 60_000;

export class ConversationDirectory {
  private readonly teams = new Map<string, { at: number; channels: { id: string; name: string }[] }>();

  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly serviceUrl: string,
  ) {}

  async resolve(channel: string): Promise<string> {
    const ref = channel.slice("teams:".length);
    const slash = ref.indexOf("/");
    if (slash === -1) return ref;
    const team = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    if (name.startsWith("19:")) return name;
    const channels = await this.channelsOf(team, channel);
    const wanted = name.replace(/^#/, "").toLowerCase();
    const found = channels.find((c) => c.name.toLowerCase() === wanted);
    if (found) return found.id;
    throw new DeliveryError(
      "channel_not_found",
      `team ${team} has no channel named "${name}" (it has: ${channels.map((c) => c.name).join(", ")})`,
      false,
    );
  }

  private async channelsOf(team: string, channel: string): Promise<{ id: string; name: string }[]> {
    const hit = this.teams.get(team);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.channels;
    try {
      const client = await this.adapter.teamsConnector(this.serviceUrl);
      const list = await client.teams.fetchChannelList(team);
      // The General channel comes back without a name.
      const channels = (list.conversations ?? []).flatMap((c) =>
        c.id ? [{ id: c.id, name: c.name || "General" }] : [],
      );
      this.teams.set(team, { at: Date.now(), channels });
      return channels;
    } catch (err) {
      throw toDeliveryError(err, channel);
    }
  }
}
