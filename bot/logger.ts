// Structured logs (pino). Secrets never reach them: keys, tokens and passwords are redacted by path.
import pino, { type Logger } from "pino";

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "countersign" },
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
