// What a platform plugs into the `approvals …` command: one renderer per kind of result. The type makes a
// platform that forgets a kind fail to compile, so no result goes unanswered on one surface only.

import type { QueueFilter } from "../../blocks/view.ts";
import type { Actor } from "../../handlers/approvals/index.ts";
import { type CommandContext, type CommandResult, queuePage, runCommand } from "./run.ts";

export type CommandRenderer<T> = {
  [K in CommandResult["kind"]]: (result: Extract<CommandResult, { kind: K }>) => T;
};

export interface CommandRunner<T> {
  /** Answers `approvals <words>` typed by `actor`. */
  run(actor: Actor, words: string): Promise<T>;
  /** One page of `actor`'s queue: the Next page button. */
  queuePage(actor: Actor, filter: QueueFilter, cursor: string | undefined): Promise<T>;
}

export function commandRunner<T>(ctx: CommandContext, renderer: CommandRenderer<T>): CommandRunner<T> {
  const render = (result: CommandResult): T => (renderer[result.kind] as (r: CommandResult) => T)(result);
  return {
    run: async (actor, words) => render(await runCommand(ctx, actor, words)),
    queuePage: async (actor, filter, cursor) => render(await queuePage(ctx, actor, filter, cursor)),
  };
}
