// Slack's v0 request signature: HMAC-SHA256 of `v0:timestamp:body` with the signing secret, and a
// timestamp within five minutes of now, so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from "node:crypto";

export const MAX_SKEW_SECONDS = 5 * 60;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): SignatureCheck {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp)
    return { ok: false, reason: "missing X-Slack-Signature or X-Slack-Request-Timestamp" };
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || !Number.isSafeInteger(ts))
    return { ok: false, reason: "bad X-Slack-Request-Timestamp" };
  if (Math.abs(nowSeconds - ts) > MAX_SKEW_SECONDS)
    return { ok: false, reason: "stale X-Slack-Request-Timestamp" };
  const expected = Buffer.from(
    `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(rawBody).digest("hex")}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad X-Slack-Signature" };
  }
  return { ok: true };
}
