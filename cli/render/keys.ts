// API keys as the terminal lists them: newest first, with when each was last used and when it expires.
import type { ApiKey } from "../../sdk/types.ts";
import { printableData } from "./printable.ts";
import type { Style } from "./style.ts";
import { table } from "./table.ts";
import { relativeTime } from "./time.ts";

function statusWord(k: ApiKey, s: Style): string {
  if (k.status === "revoked") return s.red("revoked");
  if (k.status === "expired") return s.dim("expired");
  return s.green("active");
}

export function keyTable(given: ApiKey[], now: Date, s: Style): string[] {
  const keys = printableData(given);
  return table(
    ["ID", "KIND", "FOR", "STATUS", "CREATED", "LAST USED", "EXPIRES"].map(s.dim),
    keys.map((k) => [
      s.bold(k.id),
      k.kind,
      k.agent ?? k.operator ?? "-",
      statusWord(k, s),
      relativeTime(k.createdAt, now),
      k.lastUsedAt ? relativeTime(k.lastUsedAt, now) : "never",
      k.expiresAt ? relativeTime(k.expiresAt, now) : "never",
    ]),
  );
}
