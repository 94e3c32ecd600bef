// The parts of Slack's interaction payloads the listeners read.
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
