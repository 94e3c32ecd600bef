// What the chat surfaces offer for approving with edits: the form for an approval's input, drawn from its
// Tool's inputSchema in the loaded resources. Only where the domain would take an edit at all (a pending
// tool-call approval whose rule says edits: allowed); handlers/ still checks everything when it decides.
import { type EditForm, editForm } from "../blocks/edit-form.ts";
import type { HandlerDeps } from "../handlers/deps.ts";
import type { Approval } from "../sdk/types.ts";

export function editFormFor(deps: HandlerDeps, approval: Approval): EditForm | undefined {
  if (approval.status !== "pending" || !approval.editsAllowed || approval.tool === null) return undefined;
  return editForm(deps.resources().tools.get(approval.tool)?.inputSchema, approval.input);
}
