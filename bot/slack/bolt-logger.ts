// Bolt logs through our pino logger, so Slack's lines share the format, level and redaction.
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "pino";

export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: "slack" });
  let level = LogLevel.INFO;
  const line = (args: unknown[]) =>
    args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return {
    debug: (...args) => child.debug(line(args)),
    info: (...args) => child.info(line(args)),
    warn: (...args) => child.warn(line(args)),
    error: (...args) => child.error(line(args)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
