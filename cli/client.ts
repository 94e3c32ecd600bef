// The CLI's side of the HTTP API (CONTRACT.md section 3): where the server is, which key to send, and
// every failure turned into a message that names the URL or the server's own reason.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { ApiError, CliError } from "./errors.ts";
import type { Io } from "./io.ts";

export const DEFAULT_URL = "http://127.0.0.1:8080";
const TIMEOUT_MS = 30_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export interface Connection {
  url: string;
  key: string;
  /** Where the key came from, for messages: "COUNTERSIGN_KEY", ".countersign/admin.key". */
  keySource: string;
}

export function serverUrl(env: Io["env"]): string {
  const raw = env.COUNTERSIGN_URL?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`COUNTERSIGN_URL is not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`COUNTERSIGN_URL must be an http(s) URL, not ${raw}`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * COUNTERSIGN_KEY when set. Otherwise, for commands an admin may run, the admin key the server generated
 * on this machine (COUNTERSIGN_ADMIN_KEY, or DATA_DIR/admin.key) — only for a server on loopback, so a
 * local admin key is never sent to another host.
 */
export function connect(io: Io, opts: { adminFallback: boolean }): Connection {
  const url = serverUrl(io.env);
  const key = io.env.COUNTERSIGN_KEY?.trim();
  if (key) return { url, key, keySource: "COUNTERSIGN_KEY" };
  const hint = "Set COUNTERSIGN_KEY (create an operator key with: countersign keys create --operator EMAIL).";
  if (!opts.adminFallback) {
    throw new CliError(`no API key: this command needs an operator key. ${hint}`);
  }
  if (!LOOPBACK.has(new URL(url).hostname)) {
    throw new CliError(`no API key for ${url}. Set COUNTERSIGN_KEY.`);
  }
  const envAdmin = io.env.COUNTERSIGN_ADMIN_KEY?.trim();
  if (envAdmin) return { url, key: envAdmin, keySource: "COUNTERSIGN_ADMIN_KEY" };
  const dataDir = path.resolve(io.cwd, io.env.COUNTERSIGN_DATA_DIR?.trim() || ".countersign");
  const file = path.join(dataDir, "admin.key");
  if (existsSync(file)) {
    const fromFile = readFileSync(file, "utf8").trim();
    if (fromFile) return { url, key: fromFile, keySource: path.relative(io.cwd, file) || file };
  }
  throw new CliError(
    `no API key: COUNTERSIGN_KEY is not set and there is no admin key at ${file} ` +
      `(set COUNTERSIGN_DATA_DIR to the server's data folder, or COUNTERSIGN_KEY). ${hint}`,
  );
}

export class ApiClient {
  constructor(readonly conn: Connection) {}

  get<T>(urlPath: string): Promise<T> {
    return this.request<T>("GET", urlPath);
  }

  post<T>(urlPath: string, body: unknown): Promise<T> {
    return this.request<T>("POST", urlPath, body);
  }

  async request<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
    const { url, key } = this.conn;
    let res: { status: number; text: string };
    try {
      res = await send(
        method,
        new URL(url + urlPath),
        key,
        body === undefined ? undefined : JSON.stringify(body),
      );
    } catch (err) {
      throw new CliError(
        `cannot reach the Countersign server at ${url} (${networkReason(err)}). ` +
          "Is it running? Set COUNTERSIGN_URL if it listens elsewhere.",
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      throw new CliError(
        `${url}${urlPath} answered ${res.status} with something that is not Countersign's JSON`,
      );
    }
    if (res.status >= 200 && res.status < 300) return parsed as T;
    const error = (parsed as { error?: Record<string, unknown> }).error ?? {};
    const code = typeof error.code === "string" ? error.code : "http_" + res.status;
    const message = typeof error.message === "string" ? error.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, code, message, error);
  }
}

/**
 * One request through node:http(s) rather than fetch: a CLI process makes a request or two and exits, and
 * fetch's first use loads undici, which cost more of the command's start-up than the request itself.
 */
async function send(
  method: string,
  url: URL,
  key: string,
  body: string | undefined,
): Promise<{ status: number; text: string }> {
  const { request } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const headers: Record<string, string | number> = {
    authorization: `Bearer ${key}`,
    accept: "application/json",
  };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    // agent: false — one connection, closed after the answer, so nothing keeps the process alive.
    const req = request(url, { method, headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

function networkReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case "TIMEOUT":
      return `no answer within ${TIMEOUT_MS / 1000}s`;
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ECONNRESET":
      return "connection reset";
    default:
      return e.message ?? e.code ?? String(err);
  }
}
