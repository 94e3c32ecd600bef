// A submitted tool call (POST /v1/tool-calls, an MCP tools/call): idempotency or repeats, input check,
// policy, then one of three paths. Allowed calls run in the request, on a lean path (no audit chain; one
// row write for an idempotent tool, after the answer); calls that need a human are stored with their
// approval in one transaction and answered at once; denials are recorded too.
import { refuseOverAgentLimit } from "../../handlers/approvals/agent-limit.ts";
import { insertApproval } from "../../handlers/approvals/index.ts";
import { canonicalJson } from "../../handlers/canonical-json.ts";
import { CodedError } from "../../handlers/errors.ts";
import { sha256Hex } from "../../handlers/sha256.ts";
import type { ToolResource } from "../../model/resources.ts";
import type { ToolCall } from "../../sdk/types.ts";
import type { ProgressListener } from "../execute/mcp/upstreams.ts";
import type { PolicyDecision } from "../policy/types.ts";
import { approvalIdFor, newCallId } from "../tool-calls/ids.ts";
import { findByIdempotencyKey, findCall, findRepeat, insertCall } from "../tool-calls/store.ts";
import { isSettled, presentToolCall, type ToolCallRow } from "../tool-calls/view.ts";
import { longPoll, MAX_WAIT_SECONDS } from "../wait/long-poll.ts";
import type { Gateway } from "./gateway.ts";

export interface ToolCallRequest {
  agent: string;
  tool: string;
  input: Record<string, unknown>;
  idempotencyKey?: string | undefined;
  /** The email of the person the agent acts for: never the approver of this call. */
  requestedBy?: string | undefined;
  /**
   * Without an idempotency key, an identical call (same agent, tool and input) attaches to one waiting
   * for approval, or gets the outcome of one decided in the last 15 minutes (CONTRACT.md section 8).
   */
  attachRepeats?: boolean;
  /** Hears the tool's progress when an allowed call runs within this request (MCP servers report it). */
  onProgress?: ProgressListener | undefined;
}

export interface Submitted {
  call: ToolCall;
  /** Set when the call is an earlier identical one: when its approval was decided (null: still pending). */
  repeatOf?: { decidedAt: Date | null };
}

/** How long after its decision an identical call still gets the earlier one's outcome. */
export const REPEAT_WINDOW_MS = 15 * 60_000;

/** A call before its path through policy decided its status: what every path stores alike. */
type CallBase = Pick<
  ToolCallRow,
  "id" | "agent" | "tool" | "input" | "requestHash" | "idempotencyKey" | "policy" | "rule" | "createdAt"
>;

/** What a path through policy adds: the status, and whichever other columns that path sets. */
type PathColumns = Pick<ToolCallRow, "status"> &
  Partial<
    Pick<
      ToolCallRow,
      "reason" | "approvalId" | "result" | "error" | "attempts" | "leaseUntil" | "repeatKey" | "updatedAt"
    >
  >;

/** An agent the resources do not declare: known by name, with no labels for policy to match. */
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** Denial codes of the policy engine, as the call's reason (a rule's own deny reads "policy"). */
const DENY_REASON = { denied: "policy", no_policy: "no_policy", no_route: "no_route" } as const;

export async function submitToolCall(g: Gateway, req: ToolCallRequest): Promise<Submitted> {
  const { db } = g.deps.database;
  const requestHash = hashRequest(req);
  if (req.idempotencyKey !== undefined) {
    const first = await findByIdempotencyKey(db, req.agent, req.idempotencyKey);
    if (first) return { call: await replay(g, req, first, requestHash) };
  }
  const tool = await findTool(g, req.tool);
  g.checkInput(tool.name, req.input);
  const agent = g.deps.resources().agents.get(req.agent) ?? { name: req.agent, labels: NO_LABELS };
  const verdict = g.policy.evaluate({ agent, tool, input: req.input });
  const now = g.deps.clock.now();
  const base: CallBase = {
    id: newCallId(),
    agent: req.agent,
    tool: tool.name,
    input: req.input,
    requestHash,
    idempotencyKey: req.idempotencyKey ?? null,
    policy: verdict.policy,
    rule: verdict.rule,
    createdAt: now,
  };
  switch (verdict.outcome) {
    case "deny":
      return {
        call: await store(
          g,
          req,
          requestHash,
          fullRow(base, { status: "denied", reason: DENY_REASON[verdict.code], error: verdict.reason }),
        ),
      };
    case "require_approval": {
      // Only a call that needs a person can have a repeat to attach to (the same call is judged the same
      // way), so allowed calls never pay for the look.
      if (req.attachRepeats && req.idempotencyKey === undefined) {
        const earlier = await findRepeat(db, req.agent, requestHash, repeatWindowStart(g));
        if (earlier) return attached(earlier);
      }
      return waitForHuman(g, req, requestHash, base, tool, verdict);
    }
    case "allow":
      return { call: await runAllowed(g, req, requestHash, base, tool) };
  }
}

/** A Tool of the resources, or of an McpServer once that server is reached; unknown_tool otherwise. */
async function findTool(g: Gateway, name: string): Promise<ToolResource> {
  const resources = g.deps.resources();
  const tool = resources.tools.get(name) ?? (await g.upstreams.resolveTool(name));
  if (tool) return tool;
  const known = [...resources.tools.keys()].slice(0, 20).join(", ");
  throw new CodedError("unknown_tool", `no tool named ${name} (known tools: ${known || "none"})`);
}

function repeatWindowStart(g: Gateway): Date {
  return new Date(g.deps.clock.now().getTime() - REPEAT_WINDOW_MS);
}

function attached(earlier: { call: ToolCallRow; decidedAt: Date | null }): Submitted {
  return { call: presentToolCall(earlier.call), repeatOf: { decidedAt: earlier.decidedAt } };
}

async function runAllowed(
  g: Gateway,
  req: ToolCallRequest,
  requestHash: string,
  base: CallBase,
  tool: ToolResource,
): Promise<ToolCall> {
  if (tool.type === "decision") {
    // Policy allowed it outright: the agent may act, and no person decided anything.
    return store(
      g,
      req,
      requestHash,
      fullRow(base, { status: "succeeded", result: { approved: true, decision: null } }),
    );
  }
  if (tool.sideEffects.idempotent && req.idempotencyKey === undefined) {
    // Nothing to protect: sending twice is harmless and no key must be claimed first, so the only write
    // is the finished row, stored after the agent has its answer (finished-calls.ts).
    g.finishedCalls.refuseIfBacklogged();
    const always = async () => true;
    const { outcome, attempts } = await g.executor.attempt(tool, base.id, req.input, always, req.onProgress);
    const row = fullRow(base, {
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      reason: outcome.reason,
      attempts,
      updatedAt: g.deps.clock.now(),
    });
    g.finishedCalls.record(row);
    return presentToolCall(row);
  }
  // Recorded as executing before the request leaves: a crash now leaves a trace, never a second send.
  const row = fullRow(base, {
    status: "executing",
    attempts: 1,
    leaseUntil: g.executor.leaseUntil(base.createdAt),
  });
  if (!(await insertCall(g.deps.database.db, row))) return replayWinner(g, req, requestHash);
  const done = await g.executor.runClaimed(row, tool, req.onProgress);
  return presentToolCall(done ?? (await findCall(g.deps.database.db, row.id)) ?? row);
}

async function waitForHuman(
  g: Gateway,
  req: ToolCallRequest,
  requestHash: string,
  base: CallBase,
  tool: ToolResource,
  verdict: Extract<PolicyDecision, { outcome: "require_approval" }>,
): Promise<Submitted> {
  const approvalId = approvalIdFor(base.id);
  const repeatKey = req.attachRepeats && req.idempotencyKey === undefined ? requestHash : null;
  const row = fullRow(base, { status: "waiting_for_approval", approvalId, repeatKey });
  const inserted = await g.deps.database.db.transaction(async (tx) => {
    await refuseOverAgentLimit(tx, req.agent, base.createdAt, g.approvalsPerAgentPerMinute);
    if (!(await insertCall(tx, row))) return false;
    await insertApproval(
      tx,
      {
        id: approvalId,
        agent: req.agent,
        tool: tool.name,
        action: tool.name,
        toolCallId: row.id,
        input: req.input,
        context: {},
        risk: tool.sideEffects.level,
        policy: verdict.policy,
        rule: verdict.rule,
        routing: verdict.routing,
        requestedBy: req.requestedBy,
      },
      row.createdAt,
    );
    return true;
  });
  if (inserted) return { call: presentToolCall(row) };
  if (repeatKey === null) return { call: await replayWinner(g, req, requestHash) };
  // An identical call got its approval in first: this one attaches to it.
  const winner = await findRepeat(g.deps.database.db, req.agent, repeatKey, repeatWindowStart(g));
  if (!winner)
    throw new Error(`call ${row.id} lost the race for repeat key ${repeatKey} but no call holds it`);
  return attached(winner);
}

async function store(
  g: Gateway,
  req: ToolCallRequest,
  requestHash: string,
  row: ToolCallRow,
): Promise<ToolCall> {
  if (!(await insertCall(g.deps.database.db, row))) return replayWinner(g, req, requestHash);
  return presentToolCall(row);
}

/** Lost the race for an idempotency key to a concurrent request: answer with the winner's call. */
async function replayWinner(g: Gateway, req: ToolCallRequest, requestHash: string): Promise<ToolCall> {
  const winner = await findByIdempotencyKey(g.deps.database.db, req.agent, req.idempotencyKey!);
  if (!winner) throw new Error(`idempotency key ${req.idempotencyKey} conflicted but no call holds it`);
  return replay(g, req, winner, requestHash);
}

/** The first call made with this key; one still executing is awaited, as its first caller does. */
async function replay(
  g: Gateway,
  req: ToolCallRequest,
  first: ToolCallRow,
  requestHash: string,
): Promise<ToolCall> {
  if (first.requestHash !== requestHash) {
    throw new CodedError(
      "idempotency_key_reused",
      `idempotencyKey ${JSON.stringify(req.idempotencyKey)} was already used for call ${first.id} with ` +
        "another tool or input; use a new key for a new call",
      { id: first.id },
    );
  }
  if (first.status !== "executing") return presentToolCall(first);
  const { db } = g.deps.database;
  const latest = await longPoll({
    hub: g.hub,
    kind: "call",
    id: first.id,
    waitMs: MAX_WAIT_SECONDS * 1000,
    read: async () => (await findCall(db, first.id)) ?? first,
    status: (row) => row.status,
    settled: isSettled,
  });
  return presentToolCall(latest);
}

function hashRequest(req: ToolCallRequest): string {
  // requestedBy counts only when given, so calls made without one keep the hashes they always had.
  const body = { tool: req.tool, input: req.input, requestedBy: req.requestedBy?.toLowerCase() };
  return sha256Hex(canonicalJson(body));
}

/** The whole row, written out field by field: one object, where spreads into defaults made three. */
function fullRow(base: CallBase, path: PathColumns): ToolCallRow {
  return {
    id: base.id,
    agent: base.agent,
    tool: base.tool,
    input: base.input,
    requestHash: base.requestHash,
    idempotencyKey: base.idempotencyKey,
    repeatKey: path.repeatKey ?? null,
    status: path.status,
    reason: path.reason ?? null,
    policy: base.policy,
    rule: base.rule,
    approvalId: path.approvalId ?? null,
    originalInput: null,
    result: path.result ?? null,
    error: path.error ?? null,
    attempts: path.attempts ?? 0,
    leaseUntil: path.leaseUntil ?? null,
    createdAt: base.createdAt,
    updatedAt: path.updatedAt ?? base.createdAt,
  };
}
