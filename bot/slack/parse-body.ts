// Slack's request bodies: slash commands as form fields, interactions as JSON in the `payload` form
// field, Events API callbacks as JSON. Anything else is malformed (400).

import { describeUnstorable, findUnstorable } from "../../handlers/storable-json.ts";

export type SlackBody = Record<string, unknown>;

export type ParsedBody = { ok: true; body: SlackBody } | { ok: false; reason: string };

export function parseSlackBody(raw: Buffer, contentType: string): ParsedBody {
  const text = raw.toString("utf8");
  let body: unknown;
  if (contentType.startsWith("application/json")) {
    body = tryJson(text);
  } else if (contentType.startsWith("application/x-www-form-urlencoded")) {
    const form = Object.fromEntries(new URLSearchParams(text));
    body = typeof form.payload === "string" ? tryJson(form.payload) : form;
  } else {
    return { ok: false, reason: `unsupported content type ${contentType || "(none)"}` };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, reason: "body is not a Slack payload (not a JSON object)" };
  }
  const b = body as SlackBody;
  // Nothing in it may reach the database unstorable (a NUL in a rationale typed in a modal, say).
  const unstorable = findUnstorable(b);
  if (unstorable) return { ok: false, reason: describeUnstorable(unstorable, "") };
  if (typeof b.type !== "string" && typeof b.command !== "string" && b.ssl_check === undefined) {
    return { ok: false, reason: "body is not a Slack payload (no type or command)" };
  }
  return { ok: true, body: b };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What identifies one user action across Slack's retries of it. */
export function deliveryKey(body: SlackBody): string | undefined {
  if (typeof body.event_id === "string") return `event:${body.event_id}`;
  if (typeof body.trigger_id === "string") return `trigger:${body.trigger_id}`;
  return undefined;
}
