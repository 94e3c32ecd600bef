// Configuration as a function of the environment: validated once, failing fast with the variable's name.
// Nothing here reads process.env at import time, and no secret has a default.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import cron from "node-cron";
import { z } from "zod";

/** The reference resources shipped with the package (resources/, copied to dist/resources by the build). */
export const BUNDLED_RESOURCES = fileURLToPath(new URL("../resources", import.meta.url));

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const linkKeyBytes = (v: string) => Buffer.from(v, "base64url").length;
/** Plain http would let anyone on the path read the tokens; a provider on this machine (tests, dev) may use it. */
function isIssuerUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

const OIDC_VARIABLES = [
  "COUNTERSIGN_OIDC_ISSUER",
  "COUNTERSIGN_OIDC_CLIENT_ID",
  "COUNTERSIGN_OIDC_CLIENT_SECRET",
] as const;

const envSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must start with postgres:// or postgresql://",
  }),
  HOST: optionalString,
  PORT: optionalString.refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) <= 65535), {
    message: "must be a port number between 0 and 65535",
  }),
  COUNTERSIGN_DATA_DIR: optionalString,
  COUNTERSIGN_RESOURCES: optionalString,
  COUNTERSIGN_PUBLIC_URL: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: "must be an http(s) URL",
  }),
  COUNTERSIGN_ADMIN_KEY: optionalString.refine((v) => v === undefined || v.length >= 24, {
    message: "must be at least 24 characters",
  }),
  COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE: optionalString.refine(
    (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1),
    { message: "must be a whole number of at least 1" },
  ),
  COUNTERSIGN_METRICS_PUBLIC: optionalString.refine((v) => v === undefined || v === "true" || v === "false", {
    message: "must be true or false",
  }),
  COUNTERSIGN_SWEEP_CRON: optionalString.refine((v) => v === undefined || cron.validate(v), {
    message: "is not a valid node-cron schedule",
  }),
  SLACK_BOT_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xoxb-"), {
    message: "must be a bot token starting with xoxb-",
  }),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.refine((v) => v === undefined || v.startsWith("xapp-"), {
    message: "must be an app-level token starting with xapp-",
  }),
  SLACK_API_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: "must be an http(s) URL",
  }),
  TEAMS_APP_ID: optionalString,
  TEAMS_APP_PASSWORD: optionalString,
  TEAMS_APP_TENANT_ID: optionalString,
  TEAMS_APP_TYPE: optionalString.refine(
    (v) => v === undefined || ["MultiTenant", "SingleTenant", "UserAssignedMSI"].includes(v),
    { message: "must be MultiTenant, SingleTenant or UserAssignedMSI" },
  ),
  TEAMS_API_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: "must be an http(s) URL",
  }),
  TEAMS_OPENID_METADATA_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: "must be an http(s) URL",
  }),
  TEAMS_TOKEN_URL: optionalString.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: "must be an http(s) URL",
  }),
  SMTP_URL: optionalString.refine((v) => v === undefined || /^smtps?:\/\//.test(v), {
    message: "must start with smtp:// or smtps://",
  }),
  EMAIL_FROM: optionalString,
  COUNTERSIGN_AUDIT_KEY_FILE: optionalString,
  COUNTERSIGN_AUDIT_TRUSTED_KEYS: optionalString,
  COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: optionalString.refine(
    (v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 86_400),
    { message: "must be a whole number of seconds from 1 to 86400" },
  ),
  COUNTERSIGN_EMAIL_LINK_KEY: optionalString.refine((v) => v === undefined || linkKeyBytes(v) >= 32, {
    message: "must be at least 32 random bytes, base64url-encoded (openssl rand -base64 32)",
  }),
  COUNTERSIGN_EMAIL_LINK_PREVIOUS_KEY: optionalString.refine(
    (v) => v === undefined || linkKeyBytes(v) >= 32,
    { message: "must be at least 32 random bytes, base64url-encoded" },
  ),
  COUNTERSIGN_OIDC_ISSUER: optionalString.refine((v) => v === undefined || isIssuerUrl(v), {
    message: "must be the provider's issuer URL: https://…, or http:// only for localhost / 127.0.0.1",
  }),
  COUNTERSIGN_OIDC_CLIENT_ID: optionalString,
  COUNTERSIGN_OIDC_CLIENT_SECRET: optionalString,
  LOG_LEVEL: optionalString.refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), {
    message: `must be one of ${LOG_LEVELS.join(", ")}`,
  }),
});

export interface SlackConfig {
  botToken: string;
  signingSecret: string | undefined;
  appToken: string | undefined;
  apiUrl: string;
}

export interface TeamsConfig {
  appId: string;
  appPassword: string | undefined;
  tenantId: string | undefined;
  appType: string;
  /** The Bot Connector service URL proactive cards are posted to (TEAMS_API_URL; tests point it at a fake). */
  apiUrl: string;
  /** Test-only (TEAMS_OPENID_METADATA_URL): where inbound JWT signing keys are looked up. */
  openIdMetadataUrl: string | undefined;
  /** Test-only (TEAMS_TOKEN_URL): an OAuth2 client-credentials token endpoint instead of Entra ID (MSAL). */
  tokenUrl: string | undefined;
}

export interface EmailConfig {
  smtpUrl: string;
  from: string;
  /** COUNTERSIGN_EMAIL_LINK_KEY; otherwise linkKeyFile (created on first start). Never in the database. */
  linkKey: Buffer | undefined;
  linkKeyFile: string;
  /** COUNTERSIGN_EMAIL_LINK_PREVIOUS_KEY: still accepted (not used to sign) while its links live. */
  previousLinkKey: Buffer | undefined;
}

export interface AuditConfig {
  /** The Ed25519 private key (PKCS#8 PEM) that signs checkpoints; created mode 600 when absent. */
  keyFile: string;
  /** Public keys (PEM files) also trusted by verify: the keys this one replaced. */
  trustedKeyFiles: string[];
  checkpointSeconds: number;
}

/** Console sign-in through an OpenID Connect provider (COUNTERSIGN_OIDC_*). */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface Config {
  databaseUrl: string | undefined;
  host: string;
  port: number;
  dataDir: string;
  resourcesPath: string;
  /** True when neither COUNTERSIGN_RESOURCES nor ./resources exists, so the bundled set is used. */
  resourcesBundled: boolean;
  publicUrl: string;
  adminKey: string | undefined;
  sweepCron: string;
  /** /metrics without the admin key (COUNTERSIGN_METRICS_PUBLIC=true). */
  metricsPublic: boolean;
  /** How many approvals one agent may create a minute; past it, 429 rate_limited. */
  approvalsPerAgentPerMinute: number | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  slack: SlackConfig | undefined;
  teams: TeamsConfig | undefined;
  email: EmailConfig | undefined;
  audit: AuditConfig;
  /** Console sign-in through OpenID Connect; undefined when the three variables are unset. */
  oidc: OidcConfig | undefined;
  /** One line per channel that is off, with the reason; printed at start-up. */
  channelsOff: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable} ${reason}`);
    this.name = "ConfigError";
  }
}

/** Reads the environment into a Config, or throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const e = parsed.data;
  const host = e.HOST ?? "127.0.0.1";
  const port = e.PORT === undefined ? 8080 : Number(e.PORT);
  const channelsOff: string[] = [];
  const dataDir = path.resolve(cwd, e.COUNTERSIGN_DATA_DIR ?? ".countersign");

  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN) {
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      throw new ConfigError(
        "SLACK_SIGNING_SECRET",
        "is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN)",
      );
    }
    const apiUrl = e.SLACK_API_URL ?? "https://slack.com/api/";
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
    };
  } else {
    channelsOff.push("slack: off (no SLACK_BOT_TOKEN)");
  }

  let teams: TeamsConfig | undefined;
  if (e.TEAMS_APP_ID) {
    const appType = e.TEAMS_APP_TYPE ?? "MultiTenant";
    if (appType !== "UserAssignedMSI" && !e.TEAMS_APP_PASSWORD) {
      throw new ConfigError("TEAMS_APP_PASSWORD", `is required with TEAMS_APP_ID (app type ${appType})`);
    }
    if (appType !== "MultiTenant" && !e.TEAMS_APP_TENANT_ID) {
      throw new ConfigError("TEAMS_APP_TENANT_ID", `is required with TEAMS_APP_TYPE=${appType}`);
    }
    const apiUrl = e.TEAMS_API_URL ?? "https://smba.trafficmanager.net/teams/";
    teams = {
      appId: e.TEAMS_APP_ID,
      appPassword: e.TEAMS_APP_PASSWORD,
      tenantId: e.TEAMS_APP_TENANT_ID,
      appType,
      apiUrl: apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`,
      openIdMetadataUrl: e.TEAMS_OPENID_METADATA_URL,
      tokenUrl: e.TEAMS_TOKEN_URL,
    };
  } else {
    channelsOff.push("teams: off (no TEAMS_APP_ID)");
  }

  let email: EmailConfig | undefined;
  if (e.SMTP_URL) {
    if (!e.EMAIL_FROM) throw new ConfigError("EMAIL_FROM", "is required with SMTP_URL");
    email = {
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      linkKey: e.COUNTERSIGN_EMAIL_LINK_KEY
        ? Buffer.from(e.COUNTERSIGN_EMAIL_LINK_KEY, "base64url")
        : undefined,
      linkKeyFile: path.join(dataDir, "email-link.key"),
      previousLinkKey: e.COUNTERSIGN_EMAIL_LINK_PREVIOUS_KEY
        ? Buffer.from(e.COUNTERSIGN_EMAIL_LINK_PREVIOUS_KEY, "base64url")
        : undefined,
    };
  } else {
    channelsOff.push("email: off (no SMTP_URL)");
  }

  const audit: AuditConfig = {
    keyFile: path.resolve(cwd, e.COUNTERSIGN_AUDIT_KEY_FILE ?? path.join(dataDir, "audit-signing-key.pem")),
    trustedKeyFiles: (e.COUNTERSIGN_AUDIT_TRUSTED_KEYS ?? "")
      .split(",")
      .map((f) => f.trim())
      .filter((f) => f !== "")
      .map((f) => path.resolve(cwd, f)),
    checkpointSeconds: Number(e.COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS ?? 60),
  };
  // All or none: a half-configured provider would only fail at the first person's sign-in.
  const oidcSet = OIDC_VARIABLES.filter((name) => e[name] !== undefined);
  if (oidcSet.length > 0 && oidcSet.length < OIDC_VARIABLES.length) {
    const missing = OIDC_VARIABLES.find((name) => e[name] === undefined)!;
    throw new ConfigError(missing, `is required with ${oidcSet.join(" and ")} (set all three, or none)`);
  }
  const oidc: OidcConfig | undefined =
    oidcSet.length === 0
      ? undefined
      : {
          issuer: e.COUNTERSIGN_OIDC_ISSUER!,
          clientId: e.COUNTERSIGN_OIDC_CLIENT_ID!,
          clientSecret: e.COUNTERSIGN_OIDC_CLIENT_SECRET!,
        };

  const resourcesBundled =
    e.COUNTERSIGN_RESOURCES === undefined && !existsSync(path.resolve(cwd, "resources"));
  return {
    databaseUrl: e.DATABASE_URL,
    host,
    port,
    dataDir,
    resourcesPath: resourcesBundled
      ? BUNDLED_RESOURCES
      : path.resolve(cwd, e.COUNTERSIGN_RESOURCES ?? "resources"),
    resourcesBundled,
    publicUrl: (
      e.COUNTERSIGN_PUBLIC_URL ?? `http://${host.includes(":") ? `[${host}]` : host}:${port}`
    ).replace(/\/+$/, ""),
    adminKey: e.COUNTERSIGN_ADMIN_KEY,
    sweepCron: e.COUNTERSIGN_SWEEP_CRON ?? "*/10 * * * * *",
    metricsPublic: e.COUNTERSIGN_METRICS_PUBLIC === "true",
    approvalsPerAgentPerMinute:
      e.COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE === undefined
        ? undefined
        : Number(e.COUNTERSIGN_APPROVALS_PER_AGENT_PER_MINUTE),
    logLevel: (e.LOG_LEVEL as Config["logLevel"] | undefined) ?? "info",
    slack,
    teams,
    email,
    audit,
    oidc,
    channelsOff,
  };
}
