import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED_RESOURCES, ConfigError, loadConfig } from "../../bot/config.ts";

const OIDC_CLIENT = {
  COUNTERSIGN_OIDC_CLIENT_ID: "countersign",
  COUNTERSIGN_OIDC_CLIENT_SECRET: "s3cret-value",
};

describe("loadConfig", () => {
  it("needs nothing to start, and says which channels are off", () => {
    const c = loadConfig({}, "/srv");
    expect(c).toMatchObject({
      databaseUrl: undefined,
      host: "127.0.0.1",
      port: 8080,
      dataDir: "/srv/.countersign",
      // No COUNTERSIGN_RESOURCES and no /srv/resources: the bundled reference set.
      resourcesPath: BUNDLED_RESOURCES,
      resourcesBundled: true,
      publicUrl: "http://127.0.0.1:8080",
      sweepCron: "*/10 * * * * *",
      logLevel: "info",
      // Keys that must not live in the database: files beside the data unless configured.
      audit: {
        keyFile: "/srv/.countersign/audit-signing-key.pem",
        trustedKeyFiles: [],
        checkpointSeconds: 60,
      },
    });
    expect(c.channelsOff).toEqual([
      "slack: off (no SLACK_BOT_TOKEN)",
      "teams: off (no TEAMS_APP_ID)",
      "email: off (no SMTP_URL)",
    ]);
  });

  it("reads ./resources when there is one, and COUNTERSIGN_RESOURCES whether it exists or not", () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "countersign-config-"));
    try {
      mkdirSync(path.join(cwd, "resources"));
      expect(loadConfig({}, cwd)).toMatchObject({
        resourcesPath: path.join(cwd, "resources"),
        resourcesBundled: false,
      });
      expect(loadConfig({ COUNTERSIGN_RESOURCES: "mine.yaml" }, "/srv")).toMatchObject({
        resourcesPath: "/srv/mine.yaml",
        resourcesBundled: false,
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it.each([
    [{ PORT: "eighty" }, "PORT must be a port number between 0 and 65535"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL must start with postgres:// or postgresql://"],
    [{ COUNTERSIGN_SWEEP_CRON: "every minute" }, "COUNTERSIGN_SWEEP_CRON is not a valid node-cron schedule"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL must be one of debug, info, warn, error"],
    [{ SLACK_BOT_TOKEN: "xoxp-user" }, "SLACK_BOT_TOKEN must be a bot token starting with xoxb-"],
    [
      { SLACK_BOT_TOKEN: "xoxb-1" },
      "SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN)",
    ],
    [{ SMTP_URL: "smtp://localhost:25" }, "EMAIL_FROM is required with SMTP_URL"],
    [{ COUNTERSIGN_ADMIN_KEY: "short" }, "COUNTERSIGN_ADMIN_KEY must be at least 24 characters"],
    [
      { COUNTERSIGN_EMAIL_LINK_KEY: "c2hvcnQ" },
      "COUNTERSIGN_EMAIL_LINK_KEY must be at least 32 random bytes, base64url-encoded (openssl rand -base64 32)",
    ],
    [
      { COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: "0" },
      "COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS must be a whole number of seconds from 1 to 86400",
    ],
    [
      { COUNTERSIGN_OIDC_ISSUER: "http://id.example.com", ...OIDC_CLIENT },
      "COUNTERSIGN_OIDC_ISSUER must be the provider's issuer URL: https://…, or http:// only for localhost",
    ],
    [
      { COUNTERSIGN_OIDC_ISSUER: "id.example.com", ...OIDC_CLIENT },
      "COUNTERSIGN_OIDC_ISSUER must be the provider's issuer URL",
    ],
    [
      { COUNTERSIGN_OIDC_ISSUER: "https://id.example.com" },
      "COUNTERSIGN_OIDC_CLIENT_ID is required with COUNTERSIGN_OIDC_ISSUER (set all three, or none)",
    ],
    [
      { COUNTERSIGN_OIDC_ISSUER: "https://id.example.com", COUNTERSIGN_OIDC_CLIENT_ID: "countersign" },
      "COUNTERSIGN_OIDC_CLIENT_SECRET is required with COUNTERSIGN_OIDC_ISSUER and COUNTERSIGN_OIDC_CLIENT_ID",
    ],
    [
      { COUNTERSIGN_OIDC_CLIENT_SECRET: "s3cret-value" },
      "COUNTERSIGN_OIDC_ISSUER is required with COUNTERSIGN_OIDC_CLIENT_SECRET",
    ],
  ])("refuses %o with a message naming the variable", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("turns OpenID Connect sign-in on with all three variables, off with none", () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(
      loadConfig({ COUNTERSIGN_OIDC_ISSUER: " https://id.example.com/realms/x ", ...OIDC_CLIENT }).oidc,
    ).toEqual({
      issuer: "https://id.example.com/realms/x",
      clientId: "countersign",
      clientSecret: "s3cret-value",
    });
    // A provider on this machine may answer over plain http.
    expect(
      loadConfig({ COUNTERSIGN_OIDC_ISSUER: "http://127.0.0.1:4000", ...OIDC_CLIENT }).oidc?.issuer,
    ).toBe("http://127.0.0.1:4000");
  });

  it("never puts the OpenID Connect client secret in its error", () => {
    try {
      loadConfig({ COUNTERSIGN_OIDC_ISSUER: "ftp://x", ...OIDC_CLIENT });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).toContain("COUNTERSIGN_OIDC_ISSUER");
      expect(String(err)).not.toContain("s3cret");
    }
  });

  it("never puts a secret in its error", () => {
    try {
      loadConfig({ SLACK_BOT_TOKEN: "xoxp-very-secret-token" });
    } catch (err) {
      expect(String(err)).not.toContain("very-secret");
    }
  });

  it("turns a channel on when its settings are present", () => {
    const c = loadConfig({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      SLACK_API_URL: "http://127.0.0.1:9/api",
    });
    expect(c.slack).toEqual({
      botToken: "xoxb-1",
      signingSecret: "s",
      appToken: undefined,
      apiUrl: "http://127.0.0.1:9/api/",
    });
    expect(c.channelsOff).not.toContain("slack: off (no SLACK_BOT_TOKEN)");
  });
});
