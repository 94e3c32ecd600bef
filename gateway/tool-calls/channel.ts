/** A tool call changed status; the payload is its id. NOTIFYed in the transaction that changed it. */
export const TOOL_CALL_CHANGED = "countersign_tool_call_changed";
