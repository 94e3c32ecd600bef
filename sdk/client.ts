// The agent's client: tool calls and approvals, waiting by long-poll (`?wait=`), so a decision reaches
// the waiting agent within milliseconds instead of at the next tick of a fixed poll. Global fetch only.
import {
  ApprovalRejectedError,
  ApprovalTimeoutError,
  CountersignError,
  ToolCallDeniedError,
} from "./errors.ts";
import type {
  Approval,
  CallToolOptions,
  ClientOptions,
  RequireApprovalOptions,
  SettledToolCall,
  ToolCall,
  WaitOptions,
} from "./types.ts";

/**
 * Seconds the server holds one long-poll round: about 25, short enough for proxies that cut idle
 * requests. Each round draws its length from 22.5–27.5 s, so agents that started waiting together (a
 * batch job, a restart) do not all end their rounds and ask again in the same instant, every round.
 */
export function roundSeconds(random = Math.random()): number {
  return Math.round((22.5 + random * 5) * 10) / 10;
}
const DEFAULT_PAUSE_MS = 1_000;

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: API bodies are typed by the callers
  body: any;
}

function env(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
  return value?.trim() || undefined;
}

export class Countersign {
  readonly baseUrl: string;
  private readonly apiKey: string;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? env("COUNTERSIGN_URL") ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    const apiKey = options.apiKey ?? env("COUNTERSIGN_KEY");
    if (!apiKey) throw new Error("Countersign: no API key (pass apiKey or set COUNTERSIGN_KEY)");
    this.apiKey = apiKey;
  }

  /**
   * Calls a tool through the gateway and settles once it ran: resolves with the call (status succeeded,
   * failed or outcome_unknown), or throws ToolCallDeniedError when policy or a person refused it.
   */
  async callTool<Result = unknown>(
    tool: string,
    input: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<SettledToolCall<Result>> {
    const { signal } = options;
    const res = await this.send(
      "POST",
      "/v1/tool-calls",
      { tool, input, idempotencyKey: options.idempotencyKey, requestedBy: options.requestedBy },
      signal,
    );
    if (res.status === 403 && res.body?.error?.code === "denied") {
      const e = res.body.error;
      throw new ToolCallDeniedError(e.message, {
        reason: e.reason ?? "policy",
        policy: e.policy ?? null,
        rule: e.rule ?? null,
        callId: e.id ?? null,
      });
    }
    if (res.status >= 400) throw apiError(res);
    let call = res.body as ToolCall<Result>;
    while (call.status === "waiting_for_approval" || call.status === "executing") {
      call = await this.poll(`/v1/tool-calls/${encodeURIComponent(call.id)}`, options);
    }
    if (call.status === "denied") throw await this.deniedAfterWaiting(call, signal);
    return call as SettledToolCall<Result>;
  }

  /** Reads one tool call; with `wait` (seconds, ≤ 60) the server answers as soon as its status changes. */
  async getToolCall(id: string, options: { wait?: number; signal?: AbortSignal } = {}): Promise<ToolCall> {
    return this.get(`/v1/tool-calls/${encodeURIComponent(id)}`, options);
  }

  /** Asks for a person's approval of an action; answers the pending approval at once. */
  async createApproval(
    action: string,
    options: Pick<RequireApprovalOptions, "context" | "timeoutMs" | "requestedBy" | "signal"> = {},
  ): Promise<Approval> {
    const res = await this.send(
      "POST",
      "/v1/approvals",
      { action, context: options.context, timeoutMs: options.timeoutMs, requestedBy: options.requestedBy },
      options.signal,
    );
    if (res.status >= 400) throw apiError(res);
    return res.body as Approval;
  }

  async getApproval(id: string, options: { wait?: number; signal?: AbortSignal } = {}): Promise<Approval> {
    return this.get(`/v1/approvals/${encodeURIComponent(id)}`, options);
  }

  /** Waits until the approval is decided or expired, and answers it (whatever the outcome). */
  async waitForApproval(id: string, options: WaitOptions = {}): Promise<Approval> {
    let approval: Approval;
    do approval = await this.poll(`/v1/approvals/${encodeURIComponent(id)}`, options);
    while (approval.status === "pending");
    return approval;
  }

  /**
   * Resolves once a person approves the action; throws ApprovalRejectedError (reason, decidedBy) on a
   * rejection and ApprovalTimeoutError when nobody decided in time. An aborted signal cancels the wait.
   */
  async requireApproval(action: string, options: RequireApprovalOptions = {}): Promise<Approval> {
    const created = await this.createApproval(action, options);
    const approval = await this.waitForApproval(created.id, options);
    if (approval.status === "approved") return approval;
    if (approval.status === "rejected") throw new ApprovalRejectedError(approval);
    throw new ApprovalTimeoutError(approval);
  }

  /** One long-poll round after another; network and server errors pause pollIntervalMs and go on. */
  private async poll<T>(path: string, options: WaitOptions): Promise<T> {
    for (;;) {
      try {
        return await this.get<T>(path, { wait: roundSeconds(), signal: options.signal });
      } catch (err) {
        if (options.signal?.aborted || !isTransient(err)) throw err;
      }
      await pause(options.pollIntervalMs ?? DEFAULT_PAUSE_MS, options.signal);
    }
  }

  private async get<T>(
    path: string,
    options: { wait?: number | undefined; signal?: AbortSignal | undefined },
  ) {
    const query = options.wait !== undefined ? `?wait=${options.wait}` : "";
    const res = await this.send("GET", path + query, undefined, options.signal);
    if (res.status >= 400) throw apiError(res);
    return res.body as T;
  }

  private async deniedAfterWaiting(
    call: ToolCall,
    signal: AbortSignal | undefined,
  ): Promise<ToolCallDeniedError> {
    let decidedBy: string | null = null;
    if (call.reason === "rejected" && call.approvalId) {
      decidedBy =
        (await this.getApproval(call.approvalId, { signal }).catch(() => null))?.decision?.decidedBy ?? null;
    }
    const by = decidedBy ? ` by ${decidedBy}` : "";
    const why = call.reason === "timeout" ? "nobody decided in time" : `the approval was rejected${by}`;
    return new ToolCallDeniedError(
      `${call.tool} (${call.id}) was denied: ${why}`,
      {
        reason: call.reason ?? "denied",
        policy: call.policy,
        rule: call.rule,
        callId: call.id,
        approvalId: call.approvalId,
        decidedBy,
      },
      call,
    );
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    signal?.throwIfAborted();
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          accept: "application/json",
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new CountersignError(
        `cannot reach Countersign at ${this.baseUrl}: ${(err as Error).message}`,
        "network_error",
        0,
        { cause: err },
      );
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  }
}

function apiError(res: Answer): CountersignError {
  const { code, message, ...details } = (res.body?.error ?? {}) as Record<string, unknown>;
  return new CountersignError(
    typeof message === "string" ? message : `Countersign answered HTTP ${res.status}`,
    typeof code === "string" ? code : "http_error",
    res.status,
    details,
  );
}

function isTransient(err: unknown): boolean {
  return err instanceof CountersignError && (err.status === 0 || err.status >= 500 || err.status === 429);
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Asks a person to approve `action` and resolves once they do. Throws ApprovalRejectedError (reason,
 * decidedBy) on a rejection, ApprovalTimeoutError when it expires undecided, and the signal's reason (an
 * AbortError) when `signal` aborts, cancelling the request in flight.
 */
export function requireApproval(action: string, options: RequireApprovalOptions = {}): Promise<Approval> {
  return new Countersign(options).requireApproval(action, options);
}
