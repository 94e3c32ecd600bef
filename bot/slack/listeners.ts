// Bolt listeners: acknowledge, parse, call a handler, render. No decisions are made here: entitlement,
// rationale rules and "first decision wins" all live in handlers/.
import type { App, RespondFn } from "@slack/bolt";
import {
  ACTION,
  approvalCard,
  bulkDecideModal,
  bulkResultModal,
  RATIONALE_BLOCK,
  RATIONALE_INPUT,
  replyMessage,
  type SlackMessage,
  VIEW,
} from "../../blocks/slack.ts";
import { approvalFacts } from "../../blocks/view.ts";
import { bulkDecide, getApproval, openDecision } from "../../handlers/approvals/index.ts";
import { isCodedError } from "../../handlers/errors.ts";
import type { Approval } from "../../sdk/types.ts";
import { slackCommands } from "./commands.ts";
import type { SlackContext } from "./context.ts";
import { openDecideModal, submitDecideModal } from "./decide-modal.ts";
import {
  type ActionBody,
  readMetadata,
  readPageValue,
  UNREADABLE_METADATA,
  type ViewBody,
} from "./payloads.ts";
import { RecentKeys } from "./recent-keys.ts";
import { errorText } from "./replies.ts";
import { slackBlocks, slackView } from "./web.ts";

/** Slack waits 3 s for an answer; slower work answers "working on it" and follows up through response_url. */
const COMMAND_INLINE_MS = 2_000;

export function registerListeners(app: App, ctx: SlackContext): void {
  // A double click sends two actions with different trigger ids; only the first opens a modal.
  const clicks = new RecentKeys(2_000);
  const commands = slackCommands(ctx);

  app.command("/approvals", async ({ command, ack, respond }) => {
    const work = ctx.identity
      .actor(command.user_id)
      .then((actor) => commands.run(actor, command.text ?? ""))
      .catch((err) => replyMessage(errorText(err, ctx.logger)));
    const quick = await Promise.race([work, delay(COMMAND_INLINE_MS)]);
    if (quick) return ack({ response_type: "ephemeral", ...quick });
    await ack({ response_type: "ephemeral", text: "Working on it…" });
    await respond({ response_type: "ephemeral", replace_original: true, ...(await work) });
  });

  for (const [actionId, decision] of [
    [ACTION.approve, "approve"],
    [ACTION.reject, "reject"],
  ] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const b = body as unknown as ActionBody;
      const id = b.actions[0]?.value ?? "";
      if (clicks.check(`${b.user.id}:${id}:${decision}`)) return;
      await onDecideClick(ctx, b, id, decision, respond).catch((err) =>
        tell(ctx, b, respond, errorText(err, ctx.logger)),
      );
    });
  }

  app.view(VIEW.decide, async ({ ack, body }) => {
    await ack(await submitDecideModal(ctx, body as unknown as ViewBody));
  });

  for (const [actionId, decision] of [
    [ACTION.approveSelected, "approve"],
    [ACTION.rejectSelected, "reject"],
  ] as const) {
    app.action(actionId, async ({ ack, body, respond }) => {
      await ack();
      const b = body as unknown as ActionBody;
      const ids = selectedIds(b);
      if (ids.length === 0) return tell(ctx, b, respond, "Tick at least one row first.");
      await ctx.web.views
        .open({ trigger_id: b.trigger_id, view: slackView(bulkDecideModal(ids, decision)) })
        .catch((err) => tell(ctx, b, respond, errorText(err, ctx.logger)));
    });
  }

  app.view(VIEW.bulkDecide, async ({ ack, body }) => {
    const b = body as unknown as ViewBody;
    const meta = readMetadata(b.view, "bulk");
    if (!meta) return ack({ response_action: "errors", errors: { [RATIONALE_BLOCK]: UNREADABLE_METADATA } });
    const rationale = rationaleOf(b);
    if (rationale.trim() === "") {
      return ack({
        response_action: "errors",
        errors: { [RATIONALE_BLOCK]: "A shared rationale is required." },
      });
    }
    try {
      const actor = await ctx.identity.actor(b.user.id);
      const { results } = await bulkDecide(ctx.deps, {
        ids: meta.ids,
        decision: meta.decision,
        rationale,
        actor,
        via: "slack",
      });
      await ack({ response_action: "update", view: slackView(bulkResultModal(results)) });
    } catch (err) {
      await ack({ response_action: "errors", errors: { [RATIONALE_BLOCK]: errorText(err, ctx.logger) } });
    }
  });

  app.action(ACTION.nextPage, async ({ ack, body, action, respond }) => {
    await ack();
    const b = body as unknown as ActionBody;
    try {
      const page = readPageValue((action as { value?: string }).value);
      if (!page)
        return await tell(ctx, b, respond, "This button is not one Countersign made; nothing was done.");
      const { c, a, t } = page;
      const actor = await ctx.identity.actor(b.user.id);
      await respond({
        replace_original: true,
        ...(await commands.queuePage(actor, { agent: a, tool: t }, c)),
      });
    } catch (err) {
      await tell(ctx, b, respond, errorText(err, ctx.logger));
    }
  });

  // Ticking a checkbox and opening the record link need only an acknowledgement.
  app.action(ACTION.select, async ({ ack }) => ack());
  app.action(ACTION.openRecord, async ({ ack }) => ack());
}

/** Approve/Reject on a card or a queue row: the domain's entitlement check first, then the rationale modal. */
async function onDecideClick(
  ctx: SlackContext,
  b: ActionBody,
  id: string,
  decision: "approve" | "reject",
  respond: RespondFn,
): Promise<void> {
  const actor = await ctx.identity.actor(b.user.id);
  let open: Approval;
  try {
    open = await openDecision(ctx.deps, id, actor, decision);
  } catch (err) {
    if (!isCodedError(err) || err.code !== "already_decided") throw err;
    await tell(ctx, b, respond, errorText(err, ctx.logger));
    // The clicked copy was stale: show it as it stands.
    const { channel_id: channel, message_ts: ts, is_ephemeral } = b.container ?? {};
    if (channel && ts && !is_ephemeral) {
      const card = approvalCard(approvalFacts(await getApproval(ctx.deps, id), ctx.publicUrl));
      await ctx.web.chat.update({ channel, ts, text: card.text, blocks: slackBlocks(card.blocks) });
    }
    return;
  }
  await openDecideModal(ctx, b.trigger_id, open, decision);
}

/** An ephemeral line to the person who clicked, where they clicked. */
async function tell(ctx: SlackContext, b: ActionBody, respond: RespondFn, text: string): Promise<void> {
  const message: SlackMessage = replyMessage(text);
  const channel = b.container?.channel_id ?? b.channel?.id;
  try {
    if (channel && !b.container?.is_ephemeral) {
      await ctx.web.chat.postEphemeral({
        channel,
        user: b.user.id,
        text: message.text,
        blocks: slackBlocks(message.blocks),
      });
    } else {
      await respond({ response_type: "ephemeral", replace_original: false, ...message });
    }
  } catch (err) {
    ctx.logger.warn({ err, user: b.user.id }, `could not tell a Slack user: ${text}`);
  }
}

function rationaleOf(b: ViewBody): string {
  return b.view.state.values[RATIONALE_BLOCK]?.[RATIONALE_INPUT]?.value ?? "";
}

function selectedIds(b: ActionBody): string[] {
  const ids: string[] = [];
  for (const block of Object.values(b.state?.values ?? {})) {
    for (const o of block[ACTION.select]?.selected_options ?? []) ids.push(o.value);
  }
  return [...new Set(ids)];
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
