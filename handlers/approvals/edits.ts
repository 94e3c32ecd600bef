// Approving with edits: an approver may change the input before approving, where the rule says
// `edits: allowed`. The edit is held to the same Tool inputSchema as what an agent may send, so nothing
// is recorded when it fails. An "edit" equal to the input is no edit at all.

import type { DecisionValue } from "../../sdk/types.ts";
import { canonicalJson } from "../canonical-json.ts";
import type { HandlerDeps } from "../deps.ts";
import { CodedError } from "../errors.ts";
import { assertStorable } from "../storable-json.ts";
import { toolInputCheck } from "../tool-input.ts";
import type { ApprovalRow } from "./present.ts";

type Editable = Pick<
  ApprovalRow,
  "id" | "tool" | "input" | "editsAllowed" | "requiredApprovals" | "policy" | "rule"
>;

/**
 * The input to run instead of the agent's, or undefined when nothing was changed. Throws bad_request (an
 * input with a rejection), edits_not_allowed (the rule does not allow it, or there is no tool input to
 * change) or invalid_input naming the field the Tool's inputSchema refuses.
 */
export function checkedEdit(
  deps: HandlerDeps,
  approval: Editable,
  decision: DecisionValue,
  input: unknown,
): unknown {
  if (input === undefined) return undefined;
  if (decision !== "approve") {
    throw new CodedError(
      "bad_request",
      "input: only an approval carries an edited input; a rejection runs nothing",
      {
        field: "input",
      },
    );
  }
  if (approval.tool === null) {
    throw new CodedError(
      "edits_not_allowed",
      `${approval.id} was asked for by the agent itself, not for a tool call: it has no input to edit`,
    );
  }
  if (!approval.editsAllowed) {
    const rule = approval.policy ? `policy ${approval.policy} rule ${approval.rule}` : "its rule";
    throw new CodedError(
      "edits_not_allowed",
      `${approval.id} cannot be approved with edits: ${rule} does not say edits: allowed`,
    );
  }
  if (approval.requiredApprovals > 1) {
    throw new CodedError(
      "edits_not_allowed",
      `${approval.id} needs ${approval.requiredApprovals} approvers, who must all approve the same input`,
    );
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new CodedError("invalid_input", "input: must be a JSON object", { field: "input" });
  }
  // An edit typed in Slack or Teams reaches here without the API's edge check.
  assertStorable(input, "input");
  toolInputCheck(deps.resources())(approval.tool, input);
  return canonicalJson(input) === canonicalJson(approval.input) ? undefined : input;
}
