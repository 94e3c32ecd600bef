// tools/call at /mcp/SERVER: the same submitted tool call as POST /v1/tool-calls (policy, approval, cards,
// audit, exactly-once, the same record), then, for a call that waits for a person, the request is held:
// notifications/progress at least every 15 s when the client gave a progressToken, the answer once it is
// decided and run. Only this request waits; the session's other requests go on. A client that gives up
// (notifications/cancelled, a closed stream) ends only the wait: the approval stands, and an identical
// repeat attaches to it (CONTRACT.md section 8).
import type { CallToolRequest, CallToolResult, CreateTaskResult } from "@modelcontextprotocol/sdk/types.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { findApproval } from "../../handlers/approvals/index.ts";
import { isCodedError } from "../../handlers/errors.ts";
import { describeUnstorable, findUnstorable } from "../../handlers/storable-json.ts";
import { mcpToolName } from "../../model/mcp.ts";
import type { ToolCall } from "../../sdk/types.ts";
import type { ProgressListener } from "../execute/mcp/upstreams.ts";
import { requestedBy } from "../http/fields.ts";
import type { Gateway } from "../submit/gateway.ts";
import { submitToolCall } from "../submit/tool-call.ts";
import { findCallForWait } from "../tool-calls/store.ts";
import { isSettled, presentToolCall } from "../tool-calls/view.ts";
import { waitForCall } from "../wait/waits.ts";
import { answer } from "./answer.ts";
import type { Caller, Extra } from "./context.ts";
import { countersignError } from "./results.ts";
import { toTask } from "./tasks.ts";

export interface HoldOptions {
  /** Progress notification interval while held (CONTRACT.md: at least every 15 s). */
  progressEveryMs: number;
}

/** `_meta` key an agent may give to decide a call's identity itself (an idempotency key). */
export const IDEMPOTENCY_META = "countersign/idempotencyKey";
/** `_meta` key naming the person the agent acts for, who may never approve the call (as REST's requestedBy). */
export const REQUESTED_BY_META = "countersign/requestedBy";

export async function callTool(
  g: Gateway,
  caller: Caller,
  request: CallToolRequest,
  extra: Extra,
  opts: HoldOptions,
): Promise<CallToolResult | CreateTaskResult> {
  const { name, arguments: args = {}, _meta, task } = request.params;
  const unstorable = findUnstorable(args);
  if (unstorable) throw new McpError(ErrorCode.InvalidParams, describeUnstorable(unstorable, "arguments"));
  const key = _meta?.[IDEMPOTENCY_META];
  if (key !== undefined && (typeof key !== "string" || key.length === 0 || key.length > 200)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `_meta["${IDEMPOTENCY_META}"]: expected a string of 1 to 200 characters`,
    );
  }
  const onBehalf = _meta?.[REQUESTED_BY_META];
  const person = onBehalf === undefined ? undefined : requestedBy.safeParse(onBehalf);
  if (person && !person.success) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `_meta["${REQUESTED_BY_META}"]: ${person.error.issues[0]!.message}`,
    );
  }
  const token = extra._meta?.progressToken;
  // An allowed call runs within this request: the server's progress reaches the agent as it comes.
  const relay: ProgressListener | undefined =
    token === undefined
      ? undefined
      : (p) =>
          void extra
            .sendNotification({ method: "notifications/progress", params: { ...p, progressToken: token } })
            .catch(() => {});
  const submitted = await submit(g, caller, {
    name,
    input: args,
    key: key as string | undefined,
    requestedBy: person?.data,
    relay,
  });
  if ("content" in submitted) return submitted;
  if (task) return { task: toTask(submitted.call) };
  const call = await hold(g, caller, submitted.call, extra, opts);
  // The client went away: nothing will read an answer, and the call goes on without it.
  if (!call)
    return countersignError(submitted.call, "Countersign: the client stopped waiting; the approval stands");
  return answer(g, call, submitted.repeatOf !== undefined && submitted.repeatOf.decidedAt !== null);
}

interface Asked {
  name: string;
  input: Record<string, unknown>;
  key: string | undefined;
  requestedBy: string | undefined;
  relay: ProgressListener | undefined;
}

async function submit(g: Gateway, caller: Caller, { name, input, key, requestedBy, relay }: Asked) {
  try {
    return await submitToolCall(g, {
      agent: caller.agent,
      tool: mcpToolName(caller.server, name),
      input,
      idempotencyKey: key,
      requestedBy,
      onProgress: relay,
      attachRepeats: true,
    });
  } catch (err) {
    if (!isCodedError(err)) throw err;
    // An unknown tool is a protocol error in MCP; anything else about this call is a tool result the
    // model can read and act on (a bad argument, a reused key, a server that is down).
    if (err.code === "unknown_tool") throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    const result: CallToolResult = {
      content: [{ type: "text", text: `Countersign: ${err.message}` }],
      isError: true,
    };
    return result;
  }
}

/** Waits while the call waits for its approval or runs; null when the client stopped waiting first. */
async function hold(g: Gateway, caller: Caller, first: ToolCall, extra: Extra, opts: HoldOptions) {
  const hungUp = caller.hangUp(extra.requestId);
  const signal = hungUp ? AbortSignal.any([extra.signal, hungUp]) : extra.signal;
  const token = extra._meta?.progressToken;
  let call = first;
  let progress = 0;
  const tell = async () => {
    if (token === undefined || isSettled(call.status)) return;
    await extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress: ++progress, message: await waitingMessage(g, call) },
      })
      .catch(() => {});
  };
  await tell();
  while (!isSettled(call.status)) {
    // Shutting down: the call goes on in the database; a client that asks again attaches to it.
    if (g.hub.isClosed) return null;
    if (signal.aborted) {
      // Cancelled: the SDK sends no answer, so end the request's stream rather than leave it open.
      caller.release(extra.requestId);
      return null;
    }
    const { db } = g.deps.database;
    const found = await waitForCall({
      hub: g.hub,
      deps: g.deps,
      id: call.id,
      waitSeconds: opts.progressEveryMs / 1000,
      signal,
      visibleTo: caller.agent,
      read: async () => {
        const row = await findCallForWait(db, call.id);
        if (!row) throw new Error(`tool call ${call.id} disappeared while held`);
        return row;
      },
    });
    call = presentToolCall(found.call);
    await tell();
  }
  return call;
}

async function waitingMessage(g: Gateway, call: ToolCall): Promise<string> {
  if (call.status === "executing") return `Approved; ${call.tool} is running`;
  const found = call.approvalId ? await findApproval(g.deps.database.db, call.approvalId) : null;
  if (!found) return `Waiting for approval of ${call.tool}`;
  const { approval } = found;
  return (
    `Waiting for approval ${approval.id} by ${approval.approverRefs.join(", ")} ` +
    `(expires ${approval.expiresAt.toISOString()})`
  );
}
