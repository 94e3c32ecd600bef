// How Bot Connector failures become delivery errors. Throttling and server trouble are tried again (after
// Retry-After when Teams gives one); a conversation the bot is not in, or that does not exist, stays
// failed until someone fixes the cause, and the message says how.
import { DeliveryError } from "../deliveries/notifier.ts";

interface RestLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/** Retry-After is seconds or an HTTP date; absent or unreadable gives undefined (the dispatcher backs off). */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(at - now, 0);
}

export function toDeliveryError(err: unknown, channel: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as RestLike;
  const status = e.statusCode;
  const detail = e.code && e.code !== "RestError" ? `${e.code}: ${e.message}` : (e.message ?? String(err));
  if (status === 429) {
    const wait = retryAfterMs(e.response?.headers?.get?.("retry-after"));
    const after = wait === undefined ? "" : `; retrying after ${Math.ceil(wait / 1000)} s`;
    return new DeliveryError("ratelimited", `Teams throttled the call${after}`, true, wait);
  }
  if (status === 403 || e.code === "BotNotInConversationRoster") {
    return new DeliveryError(
      "not_in_conversation",
      `Countersign is not in ${channel}: add the Countersign app to that team or chat (Teams said ${detail})`,
      false,
    );
  }
  if (status === 404)
    return new DeliveryError("conversation_not_found", `Teams has no ${channel} (${detail})`, false);
  if (status === 401) {
    return new DeliveryError(
      "unauthorized",
      `Teams refused the bot's token for ${channel}: check TEAMS_APP_ID/PASSWORD`,
      false,
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new DeliveryError(
      `http_${status}`,
      `Teams answered HTTP ${status} for ${channel} (${detail})`,
      false,
    );
  }
  if (status !== undefined) {
    return new DeliveryError(`http_${status}`, `Teams answered HTTP ${status} for ${channel}`, true);
  }
  return new DeliveryError("error", detail, true);
}
