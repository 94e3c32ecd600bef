// countersign/sdk: what an agent needs to ask for approval and to call tools through the gateway.
export { Countersign, requireApproval } from "./client.ts";
export {
  ApprovalRejectedError,
  ApprovalTimeoutError,
  CountersignError,
  ToolCallDeniedError,
} from "./errors.ts";
export type * from "./types.ts";
