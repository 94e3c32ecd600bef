// Channel names (slack:#billing-approvals) resolved to ids through conversations.list, paged and cached.
// An unknown name reloads the list at most once a minute, so a typo does not hammer Slack.
import { DeliveryError } from "../deliveries/notifier.ts";
import { toDeliveryError, type WebClient } from "./web.ts";

const TTL_MS = 10 * 60_000;
const MISS_RELOAD_MS = 60_000;

export class ChannelDirectory {
  private ids = new Map<string, string>();
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(private readonly web: WebClient) {}

  /** slack:#name, slack:C0123, or slack:@U0123 (a direct message from the app) → what chat.postMessage takes. */
  async resolve(channel: string): Promise<string> {
    const ref = channel.replace(/^slack:/, "");
    if (ref.startsWith("@")) return ref.slice(1);
    if (!ref.startsWith("#")) return ref;
    const name = ref.slice(1).toLowerCase();
    const age = Date.now() - this.loadedAt;
    if (age > TTL_MS || (!this.ids.has(name) && age > MISS_RELOAD_MS)) await this.reload(channel);
    const id = this.ids.get(name);
    if (!id) {
      throw new DeliveryError(
        "channel_not_found",
        `no Slack channel ${ref} visible to Countersign: check the name, or if it is private invite @Countersign to ${ref}`,
        false,
      );
    }
    return id;
  }

  private reload(channel: string): Promise<void> {
    this.loading ??= this.load(channel).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(channel: string): Promise<void> {
    const ids = new Map<string, string>();
    let cursor: string | undefined;
    try {
      do {
        const page = await this.web.conversations.list({
          types: "public_channel,private_channel",
          exclude_archived: true,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const c of page.channels ?? []) if (c.id && c.name) ids.set(c.name.toLowerCase(), c.id);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (err) {
      throw toDeliveryError(err, channel);
    }
    this.ids = ids;
    this.loadedAt = Date.now();
  }
}
