// The NOTIFY channel the domain signals approvals' changes on (the outbox has its own, DELIVERIES_DUE).

/** An approval changed state (decided, expired): waiting calls look again. Payload: its id, or "*". */
export const APPROVAL_CHANGED = "countersign_approval_changed";
