// The `approvals …` command without a platform: the words are parsed, run through the approvals handlers
// as the person who typed them, and answered with a neutral result that each platform renders its own way.
// Handler errors are thrown, not returned, so each platform keeps one error path for them and for the
// identity lookup that comes before.
import { outcomeLine, quorumProgress } from "../../blocks/decision.ts";
import type { EditForm } from "../../blocks/edit-form.ts";
import { type ApprovalFacts, approvalFacts, type QueueFilter, type UsageLine } from "../../blocks/view.ts";
import {
  type Actor,
  decide,
  getApproval,
  listQueue,
  override,
  type Via,
} from "../../handlers/approvals/index.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";
import type { Approval } from "../../sdk/types.ts";
import { editFormFor } from "../edits.ts";
import { parseCommand } from "./parser.ts";
import { COMMAND_USAGE } from "./usage.ts";

export interface CommandContext {
  deps: HandlerDeps;
  publicUrl: string;
  /** The surface recorded on decisions made by command. */
  via: Via;
  /** Rows in one queue or history reply: the platform's message size sets it. */
  pageSize: number;
}

export type CommandResult =
  | { kind: "queue"; items: ApprovalFacts[]; filter: QueueFilter; nextCursor: string | null }
  | { kind: "history"; items: ApprovalFacts[] }
  /** `form`: the input to edit, where the rule allows approving with edits (a surface may offer it). */
  | { kind: "approval"; approval: ApprovalFacts; form?: EditForm | undefined }
  | { kind: "decided"; text: string }
  | { kind: "help"; usage: readonly UsageLine[] }
  | { kind: "usage"; text: string; usage: readonly UsageLine[] };

/** One page of the queue `actor` may decide, most urgent first. */
export async function queuePage(
  ctx: CommandContext,
  actor: Actor,
  filter: QueueFilter,
  cursor?: string,
): Promise<CommandResult> {
  const page = await listQueue(ctx.deps, {
    status: "pending",
    agent: filter.agent,
    tool: filter.tool,
    approver: actor,
    order: "urgent",
    limit: ctx.pageSize,
    cursor,
  });
  return {
    kind: "queue",
    items: page.items.map((a) => approvalFacts(a, ctx.publicUrl)),
    filter,
    nextCursor: page.nextCursor,
  };
}

/** Answers `approvals <words>` typed by `actor`. */
export async function runCommand(ctx: CommandContext, actor: Actor, words: string): Promise<CommandResult> {
  const cmd = parseCommand(words);
  switch (cmd.kind) {
    case "ls":
      return queuePage(ctx, actor, { agent: cmd.agent, tool: cmd.tool });
    case "describe": {
      const approval = await getApproval(ctx.deps, cmd.id);
      return {
        kind: "approval",
        approval: approvalFacts(approval, ctx.publicUrl),
        form: editFormFor(ctx.deps, approval),
      };
    }
    case "decide": {
      const a = await decide(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        rationale: cmd.rationale,
        actor,
        via: ctx.via,
      });
      return { kind: "decided", text: decidedText(a) };
    }
    case "history": {
      const page = await listQueue(ctx.deps, {
        status: "decided",
        approver: actor,
        order: "newest",
        limit: ctx.pageSize,
      });
      return { kind: "history", items: page.items.map((a) => approvalFacts(a, ctx.publicUrl)) };
    }
    case "override": {
      const a = await override(ctx.deps, {
        approvalId: cmd.id,
        decision: cmd.decision,
        grantBy: cmd.grantBy,
        reason: cmd.reason,
        actor,
        via: ctx.via,
      });
      return {
        kind: "decided",
        text: `${outcomeLine(a.decision!)} (${a.id}). The cards show it and ${cmd.grantBy}'s channels are told.`,
      };
    }
    case "help":
      return { kind: "help", usage: COMMAND_USAGE };
    case "usage":
      return { kind: "usage", text: `${cmd.error}.`, usage: COMMAND_USAGE };
  }
}

/** What a decision by command did: the outcome, or (toward a quorum) where the count stands. */
function decidedText(a: Approval): string {
  if (!a.decision) {
    return `Your approval of ${a.id} is recorded (${quorumProgress(a.approvals, a.requiredApprovals)}); it waits for the other approvers. Every posted card will show it.`;
  }
  return `${outcomeLine(a.decision)} (${a.id}). Every posted card will show it.`;
}
