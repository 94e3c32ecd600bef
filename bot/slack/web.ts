// The Slack Web API client, and how its failures become delivery errors. Retries are the dispatcher's
// job (with backoff, honouring Retry-After), so the client neither retries nor sleeps on a 429 itself.
import { type types, webApi } from "@slack/bolt";
import type { Block, ModalView } from "../../blocks/slack.ts";
import { DeliveryError } from "../deliveries/notifier.ts";

export type WebClient = InstanceType<typeof webApi.WebClient>;

// blocks/ renders plain JSON without @slack types; these say it is the Block Kit the client expects.
export const slackBlocks = (blocks: Block[]) => blocks as unknown as types.KnownBlock[];
export const slackView = (view: ModalView) => view as unknown as types.View;

export function createWebClient(token: string, apiUrl: string): WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
}

/** Platform errors worth another try; every other `ok:false` stays failed until someone fixes the cause. */
const TRANSIENT = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
]);

/** The Slack error code of a failed call (not_in_channel, ratelimited, …), if it has one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as { code?: string; data?: { error?: string } };
  if (e?.code === webApi.ErrorCode.PlatformError) return e.data?.error;
  if (e?.code === webApi.ErrorCode.RateLimitedError) return "ratelimited";
  return undefined;
}

/** Maps a Web API failure to a DeliveryError, naming the fix where there is one. */
export function toDeliveryError(err: unknown, channel: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; message?: string };
  if (e?.code === webApi.ErrorCode.RateLimitedError) {
    const seconds = e.retryAfter ?? 1;
    return new DeliveryError(
      "ratelimited",
      `Slack rate-limited the call; retrying after ${seconds} s`,
      true,
      seconds * 1000,
    );
  }
  const code = slackErrorCode(err);
  if (code === "not_in_channel") {
    const name = channel.replace(/^slack:/, "");
    return new DeliveryError(
      "not_in_channel",
      `Countersign is not in ${name} (a private channel): invite @Countersign to ${name}`,
      false,
    );
  }
  if (code === "channel_not_found" || code === "is_archived") {
    return new DeliveryError(code, `Slack answered ${code} for ${channel}`, false);
  }
  if (code) return new DeliveryError(code, `Slack answered ${code} for ${channel}`, TRANSIENT.has(code));
  if (e?.code === webApi.ErrorCode.HTTPError) {
    return new DeliveryError("http_error", `Slack answered HTTP ${e.statusCode} for ${channel}`, true);
  }
  return new DeliveryError("error", e?.message ?? String(err), true);
}
