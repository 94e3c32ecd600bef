// `npm run demo`: the walkthrough as a runnable story. A support agent (the SDK) asks for a refund, which
// waits for a human, and keeps triaging tickets meanwhile; you decide from a second terminal with the
// CLI; the refund resumes and the billing system sees it once. `npm run demo -- --auto` decides by itself.
import { spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createStyle, wantsColor } from "../cli/render/style.ts";
import { type Approval, Countersign, type SettledToolCall, ToolCallDeniedError } from "../sdk/index.ts";
import { startLocalTools } from "./local-tools.ts";
import { REFERENCE_REFUNDS_URL, startDemoServer } from "./server.ts";

const auto = process.argv.includes("--auto");
const s = createStyle(wantsColor(process.stdout.isTTY, process.env));
const started = Date.now();
const BIN = path.resolve(import.meta.dirname, "../bin/countersign.mjs");
const RATIONALE = "Refund eligibility confirmed.";

function log(who: string, text: string): void {
  const t = `+${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
  console.log(`${s.dim(t)} ${s.bold(who.padEnd(8))} ${text}`);
}

async function main(): Promise<void> {
  console.log(
    s.bold("\nCountersign walkthrough: a refund that needs a human, and tickets that don't wait for it.\n"),
  );

  const tools = await startLocalTools();
  log("setup", `billing and ticket systems (local stand-ins) at ${tools.url}`);
  log("setup", "starting Countersign on an embedded database in a temporary folder…");
  const server = await startDemoServer(tools.url, (line) => {
    if (!line.startsWith("admin key")) log("server", s.dim(line));
  });
  log(
    "setup",
    `resources: a copy of the reference set in ${server.resourcesDir}, with refund.issue pointed at the local ` +
      `billing stand-in (the reference points at ${REFERENCE_REFUNDS_URL}, which is not reachable from here)`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    await tools.close();
  };
  process.once("SIGINT", () => void stop().then(() => process.exit(130)));

  const [agentKey, anaKey, samKey] = await Promise.all([
    server.key("agent", "support-bot"),
    server.key("operator", "ana@example.com"),
    server.key("operator", "sam@example.com"),
  ]);
  const agent = new Countersign({ baseUrl: server.url, apiKey: agentKey });

  const refundInput = { ticket: "T-1042", amount: 129.5, currency: "EUR", reason: "double charge" };
  log("agent", `support-bot calls refund.issue ${JSON.stringify(refundInput)}`);
  let settled = false;
  let settledAt = 0;
  // A rejection settles the call too (ToolCallDeniedError): the story reports either outcome.
  const refund: Promise<SettledToolCall | ToolCallDeniedError> = agent
    .callTool("refund.issue", refundInput)
    .catch((err) => {
      if (err instanceof ToolCallDeniedError) return err;
      throw err;
    })
    .finally(() => {
      settled = true;
      settledAt = Date.now();
    });
  const approval = await waitForApproval(server.url, anaKey, refundInput.ticket);
  log(
    "gateway",
    `${s.yellow(approval.id)} created: needs ${approval.approverRefs.join(", ")} ` +
      `(policy ${approval.policy}, rule ${approval.rule}); expires in ${Math.round((Date.parse(approval.expiresAt) - Date.now()) / 60_000)}m; ` +
      `cards for ${approval.channels.join(", ")}`,
  );
  log("agent", "only that call waits; the agent goes on with its inbox:");

  const stream = triageStream(agent, () => settled);
  if (auto) {
    await sleep(3000);
    await decideWithCli(server.url, anaKey, approval.id);
  } else {
    printInstructions(server.url, anaKey, samKey, approval.id);
  }

  const call = await refund;
  const decided = await getApproval(server.url, anaKey, approval.id);
  const d = decided.decision;
  if (d) {
    log(
      "gateway",
      `${approval.id} ${d.decision === "approve" ? s.green("approved") : s.red("rejected")} by ${d.decidedBy} via ${d.via}` +
        `${d.grantBy ? ` (override under ${d.grantBy})` : ""}: “${d.rationale}”`,
    );
  }
  const after = d ? ` (${Math.max(0, settledAt - Date.parse(d.decidedAt))} ms after the decision)` : "";
  if (call instanceof ToolCallDeniedError) {
    log("agent", `refund.issue resumed: ${s.red("denied")}${after} → ${call.message}`);
  } else {
    const outcome = call.status === "succeeded" ? s.green(call.status) : s.red(call.status);
    log("agent", `refund.issue resumed: ${outcome}${after} → ${JSON.stringify(call.result ?? call.error)}`);
  }
  log("billing", `received ${tools.refundsIssued} refund request${tools.refundsIssued === 1 ? "" : "s"}`);
  await stream;
  await stop();
  const ran =
    call instanceof ToolCallDeniedError ? "refused by a person, never run" : "decided by a person, run once";
  console.log(s.bold(`\nDone: one refund, ${ran}; the agent never stopped triaging.\n`));
}

/** The SDK's Approval, with the refund's input. */
type ApprovalLite = Approval & { input: { ticket?: string } };

async function getJson<T>(url: string, key: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const getApproval = (base: string, key: string, id: string) =>
  getJson<ApprovalLite>(`${base}/v1/approvals/${id}`, key);

async function waitForApproval(base: string, key: string, ticket: string): Promise<ApprovalLite> {
  for (let i = 0; i < 400; i++) {
    const { items } = await getJson<{ items: ApprovalLite[] }>(`${base}/v1/approvals?tool=refund.issue`, key);
    const found = items.find((a) => a.input.ticket === ticket);
    if (found) return found;
    await sleep(25);
  }
  throw new Error("the refund's approval did not appear");
}

/** A ticket at a time, quickly at first, then now and then, until the refund settles. */
async function triageStream(agent: Countersign, done: () => boolean): Promise<void> {
  for (let n = 1043; !done() && n < 1043 + 40; n++) {
    const ticket = `T-${n}`;
    const call = await agent.callTool<{ queue: string; priority: string }>("ticket.triage", { ticket });
    log(
      "agent",
      `  triaged ${ticket} → ${call.result.queue} queue (${call.result.priority}) while the refund waits`,
    );
    const pause = n < 1047 ? 400 : 15_000;
    for (let waited = 0; waited < pause && !done(); waited += 100) await sleep(100);
  }
}

function printInstructions(url: string, anaKey: string, samKey: string, id: string): void {
  const line = s.dim("─".repeat(78));
  console.log(`\n${line}`);
  console.log(
    s.bold("Decide from a second terminal (in this folder), as ana@example.com of team:billing-leads:\n"),
  );
  console.log(`  export COUNTERSIGN_URL=${url}`);
  console.log(`  export COUNTERSIGN_KEY=${anaKey}`);
  console.log("  npx countersign approvals ls");
  console.log(`  npx countersign describe approval ${id}`);
  console.log(`  npx countersign approvals decide ${id} --decision approve --rationale "${RATIONALE}"`);
  console.log(s.dim("\nOr break glass as sam@example.com (Role sre-oncall):\n"));
  console.log(
    s.dim(`  COUNTERSIGN_KEY=${samKey} npx countersign approvals override ${id} --decision approve \\`),
  );
  console.log(
    s.dim(
      '      --grant-by sre-oncall --reason "Outage: payment system down; refunds queued; manually granting."',
    ),
  );
  console.log(`${line}\n`);
  log("demo", "waiting for your decision (Ctrl-C to stop)…");
}

/** --auto: ana decides with the real CLI, exactly as the second terminal would. */
async function decideWithCli(url: string, key: string, id: string): Promise<void> {
  const argv = ["approvals", "decide", id, "--decision", "approve", "--rationale", RATIONALE];
  log("ana", s.cyan(`$ countersign ${argv.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`));
  const output = await new Promise<string>((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...argv], {
      env: { ...process.env, COUNTERSIGN_URL: url, COUNTERSIGN_KEY: key, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (c) => {
      out += c;
    });
    proc.stderr.on("data", (c) => {
      out += c;
    });
    proc.once("error", reject);
    proc.once("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`countersign exited ${code}: ${out}`)),
    );
  });
  for (const l of output.trim().split("\n")) log("ana", s.dim(l));
}

main().catch((err) => {
  console.error(s.red(`demo failed: ${err instanceof Error ? err.stack : String(err)}`));
  process.exit(1);
});
