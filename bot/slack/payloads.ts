// The parts of Slack's interaction payloads the listeners read.
import { z } from "zod";
import type { BulkMetadata, DecideMetadata } from "../../blocks/slack.ts";
import type { InputState } from "../../blocks/slack-edit.ts";

/** block_actions: a button or checkbox on a message or in a modal. */
export interface ActionBody {
  user: { id: string };
  trigger_id: string;
  channel?: { id: string };
  container?: { channel_id?: string; message_ts?: string; is_ephemeral?: boolean };
  state?: { values: Record<string, Record<string, { selected_options?: { value: string }[] }>> };
  actions: { action_id: string; value?: string }[];
}

/** view_submission: a modal submitted, with what its inputs hold. */
export interface ViewBody {
  user: { id: string };
  view: {
    private_metadata: string;
    state: { values: Record<string, Record<string, InputState>> };
  };
}

const decision = z.enum(["approve", "reject"]);
const decideMetadata = z.object({ id: z.string().min(1), decision, edit: z.literal(true).optional() });
const bulkMetadata = z.object({ ids: z.array(z.string()).min(1), decision });

/** What a modal answers when its metadata cannot be read: Slack only returns what we set, so nothing more. */
export const UNREADABLE_METADATA =
  "This form is not one Countersign opened (its metadata is unreadable); nothing was recorded.";

/**
 * A submitted modal's private_metadata, as the modal Countersign opened set it; undefined when it is not
 * (empty, not JSON, or another shape), so the listener answers in the modal instead of failing with a 500.
 */
export function readMetadata(view: ViewBody["view"], kind: "decide"): DecideMetadata | undefined;
export function readMetadata(view: ViewBody["view"], kind: "bulk"): BulkMetadata | undefined;
export function readMetadata(view: ViewBody["view"], kind: "decide" | "bulk") {
  let parsed: unknown;
  try {
    parsed = JSON.parse(view.private_metadata);
  } catch {
    return undefined;
  }
  const read = (kind === "decide" ? decideMetadata : bulkMetadata).safeParse(parsed);
  return read.success ? read.data : undefined;
}

const pageValue = z.object({ c: z.string().optional(), a: z.string().optional(), t: z.string().optional() });

/** The next-page button's value (cursor, agent and tool filters); undefined when it is not one we made. */
export function readPageValue(value: string | undefined): z.infer<typeof pageValue> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value ?? "{}");
  } catch {
    return undefined;
  }
  const read = pageValue.safeParse(parsed);
  return read.success ? read.data : undefined;
}
