// Structured logs (pino). Secrets never reach them: keys, tokens and passwords are redacted by path.
import pino, { type Logger } from "pino";

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "countersign" },
      serializers: { err: (err: Error) => pino.stdSerializers.err(withoutQueryParams(err)) },
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "*.token",
          "*.botToken",
          "*.appToken",
          "*.signingSecret",
          "*.appPassword",
          "*.password",
          "*.smtpUrl",
          "*.adminKey",
          "*.clientSecret",
          "*.key",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

/**
 * A failed query's error (drizzle's DrizzleQueryError) carries its parameters — a tool's whole input, an
 * approval's context — in its message, its stack and a field of their own. Logs keep the query and the
 * database's reason, not the values.
 */
function withoutQueryParams(err: Error): Error {
  const e = err as Error & { query?: unknown; params?: unknown };
  if (typeof e.query !== "string" || !Array.isArray(e.params)) return err;
  const values = `\nparams: ${String(e.params)}`;
  const copy = new Error(e.message.replace(values, "\nparams: [redacted]"), { cause: e.cause });
  copy.name = e.name;
  copy.stack = e.stack?.replace(values, "\nparams: [redacted]");
  return Object.assign(copy, { query: e.query });
}
