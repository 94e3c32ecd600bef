// The resources gateway tests run against: the walkthrough's refund and triage tools (and a few more,
// one per path through the gateway) pointed at a local tool endpoint instead of billing.example.com.
import {
  decisionToolYaml,
  prodAgentYaml,
  resourcesYaml,
  toolYaml as tool,
  API_VERSION as V,
} from "./resource-yaml.ts";

const route = (timeoutMinutes = 60) =>
  `require: { approvalRouting: { approvers: [team:billing-leads], timeoutMinutes: ${timeoutMinutes}, onTimeout: deny } }`;

function rest(url: string, level: string, idempotent: boolean, timeoutMs: number, extra = ""): string {
  return (
    `  type: rest\n  endpoint: { url: "${url}", method: POST, timeoutMs: ${timeoutMs} }\n` +
    `  sideEffects: { level: ${level}, idempotent: ${idempotent}, requiresApproval: false }\n${extra}`
  );
}

export interface GatewayYamlOptions {
  /** The refund's timeout (ms), short where a test lets it run out. */
  refundTimeoutMs?: number;
}

/** Resources with every tool pointed at `base` (the tool endpoint's URL). */
export function gatewayYaml(base: string, opts: GatewayYamlOptions = {}): string {
  return resourcesYaml(
    tool(
      "refund.issue",
      `  type: rest\n  endpoint: { url: "${base}/refunds", method: POST, timeoutMs: ${opts.refundTimeoutMs ?? 5000} }\n` +
        "  sideEffects: { level: financial, idempotent: false, requiresApproval: true }\n" +
        "  inputSchema:\n    type: object\n    required: [ticket, amount]\n" +
        "    properties: { ticket: { type: string }, amount: { type: number, minimum: 0 } }\n",
    ),
    tool("ticket.triage", rest(`${base}/triage`, "read_only", true, 2000)),
    // Allowed by a rule although it writes and is not idempotent: runs in the request, recorded first.
    tool("ledger.write", rest(`${base}/ledger`, "external_write", false, 500)),
    // Read-only and idempotent, with a short timeout: retried with an Idempotency-Key.
    tool("flaky.read", rest(`${base}/flaky`, "read_only", true, 300)),
    tool("shell.exec", rest(`${base}/shell`, "code_execution", false, 2000)),
    tool("mail.send", rest(`${base}/mail`, "communication", false, 2000)),
    decisionToolYaml("refund.confirm", "financial"),
    // Approval-only, routed with a 3-second timeout: what an agent sees when nobody decides.
    decisionToolYaml("quick.check", "local_write", { idempotent: true, requiresApproval: false }),
    `${V}
kind: Policy
metadata: { name: financial-actions-require-approval }
spec:
  appliesTo: { agents: { selector: { matchLabels: { env: prod } } } }
  rules:
    - when: { tool.sideEffect: financial }
      ${route()}`,
    `${V}
kind: Policy
metadata: { name: ops }
spec:
  rules:
    - { when: { tool.name: ledger.write }, action: allow }
    - { when: { tool.sideEffect: code_execution }, action: deny }
    - { when: { tool.name: "deploy.*" }, ${route()} }
    - { when: { tool.name: quick.check }, ${route(0.05)} }
    - { when: { tool.name: "forbidden.*" }, action: deny }`,
    `${V}\nkind: Team\nmetadata: { name: billing-leads }\nspec:\n  members: [{ email: ana@example.com }, { email: ben@example.com }]`,
    prodAgentYaml("support-bot"),
    prodAgentYaml("other-bot"),
  );
}
