// Relative times as people say them in a queue: "in 42m", "3m ago", "2h 5m ago".
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(at: Date | string, now: Date): string {
  const ms = new Date(at).getTime() - now.getTime();
  const span = duration(Math.abs(ms));
  if (span === "") return "just now";
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

/** 42s, 42m, 2h 5m, 3d; "" under a second. Rounded down: "in 59m" never shows an hour that has not come. */
export function duration(ms: number): string {
  if (ms < SECOND) return "";
  if (ms < MINUTE) return `${Math.floor(ms / SECOND)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < 2 * DAY) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MINUTE);
    return m === 0 ? `${h}h` : `${h}h ${m}m`;
  }
  return `${Math.floor(ms / DAY)}d`;
}

/** An absolute time with its relative one, for describe: "2025-01-02 10:04:05Z (in 42m)". */
export function stamp(at: Date | string, now: Date): string {
  const iso = new Date(at)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, "Z");
  return `${iso} (${relativeTime(at, now)})`;
}
