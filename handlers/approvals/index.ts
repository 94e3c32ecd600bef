// The approvals domain: the only code that changes approval state.
export { bulkDecide } from "./bulk-decide.ts";
export { insertApproval, type NewApproval } from "./create.ts";
export { decide } from "./decide.ts";
export { isApprover, openDecision } from "./entitlement.ts";
export { fireEscalations } from "./escalation-sweep.ts";
export { expireApproval, expireDue, SWEEPER_ACTOR } from "./expire.ts";
export { nudgesDue } from "./nudges-due.ts";
export { OVERRIDE_GRANT, override, overrideRole } from "./override.ts";
export { type ApprovalRow, type DecisionRow, presentApproval, presentDecision } from "./present.ts";
export { getApproval, listQueue, pendingCount, type QueueQuery, STATUS_FILTERS } from "./queue.ts";
export { findApproval } from "./read.ts";
export { sendDueReminders } from "./reminders.ts";
export { recordSlaTransitions, type SlaTransition } from "./sla-sweep.ts";
export type * from "./types.ts";
