// The walkthrough (../shared/seeds/000_43c7fcc00016db70.txt) end to end, as an approver lives it: the real
// server as its own process, a support agent using the SDK, and every approver step through the
// countersign CLI as a subprocess. The billing endpoint is a local server here that counts refunds.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Countersign } from "../../sdk/index.ts";
import { type CliResult, runCliInProcess, runCliProcess, writeReferenceResources } from "../helpers/cli.ts";
import { backend, createPgDatabase } from "../helpers/db.ts";
import { type ServerProcess, startServerProcess } from "../helpers/server-process.ts";

interface LocalTools {
  server: Server;
  url: string;
  refunds: unknown[];
}

/** The billing and ticket systems the reference tools call, on one local port. */
async function startLocalTools(): Promise<LocalTools> {
  const refunds: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/refunds") {
        refunds.push(JSON.parse(body));
        res.statusCode = 201;
        res.end(JSON.stringify({ refundId: `R-${refunds.length}`, status: "issued" }));
      } else {
        res.end(JSON.stringify({ ticket: JSON.parse(body).ticket, queue: "billing" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}`, refunds };
}

describe(`countersign CLI: the walkthrough end to end (${backend})`, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "countersign-e2e-"));
  let tools: LocalTools;
  let server: ServerProcess;
  let dropDatabase: (() => Promise<void>) | undefined;
  let agent: Countersign;
  let keys: Record<"ana" | "ben" | "sam" | "eve", string>;

  /** The CLI as a user runs it next to the server: its URL, and its data folder for the admin key. */
  const cli = (argv: string[], key?: string): Promise<CliResult> =>
    runCliProcess(argv, {
      COUNTERSIGN_URL: server.url,
      COUNTERSIGN_DATA_DIR: dataDir,
      ...(key ? { COUNTERSIGN_KEY: key } : {}),
    });

  const adminKey = () => readFileSync(path.join(dataDir, "admin.key"), "utf8").trim();

  async function mintOperatorKey(email: string): Promise<string> {
    const res = await fetch(`${server.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey()}`, "content-type": "application/json" },
      body: JSON.stringify({ operator: email }),
    });
    return ((await res.json()) as { key: string }).key;
  }

  /** The pending refund approval for a ticket, once the agent's call has created it. */
  async function pendingRefund(ticket: string): Promise<string> {
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${server.url}/v1/approvals?status=pending&tool=refund.issue`, {
        headers: { authorization: `Bearer ${keys.ana}` },
      });
      const { items } = (await res.json()) as { items: { id: string; input: { ticket: string } }[] };
      const found = items.find((a) => a.input.ticket === ticket);
      if (found) return found.id;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no pending refund approval for ${ticket}`);
  }

  beforeAll(async () => {
    tools = await startLocalTools();
    const resources = path.join(dataDir, "resources");
    writeReferenceResources(resources, {
      "https://billing.example.com/refunds": `${tools.url}/refunds`,
      "http://127.0.0.1:8089/triage": `${tools.url}/triage`,
    });
    const env: Record<string, string> = { COUNTERSIGN_DATA_DIR: dataDir, COUNTERSIGN_RESOURCES: resources };
    if (backend === "postgres") {
      const pg = await createPgDatabase();
      env.DATABASE_URL = pg.url;
      dropDatabase = pg.drop;
    }
    server = await startServerProcess(env);

    // The admin key the server generated is found by the CLI in the data folder, with no COUNTERSIGN_KEY.
    const [created, agentKey, [ben, sam, eve]] = await Promise.all([
      cli(["keys", "create", "--operator", "ana@example.com"]),
      cli(["keys", "create", "--agent", "support-bot", "-o", "json"]),
      Promise.all(["ben@example.com", "sam@example.com", "eve@example.com"].map(mintOperatorKey)),
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain("operator key for ana@example.com");
    keys = { ana: created.stdout.trim(), ben: ben!, sam: sam!, eve: eve! };
    agent = new Countersign({ baseUrl: server.url, apiKey: JSON.parse(agentKey.stdout).key });
  });

  afterAll(async () => {
    await server?.stop();
    await new Promise((resolve) => tools?.server.close(resolve));
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("queues the refund, lets the agent keep triaging, and resumes the refund on a CLI decision", async () => {
    const refund = agent.callTool("refund.issue", { ticket: "T-1042", amount: 129.5, currency: "EUR" });
    const id = await pendingRefund("T-1042");

    // Only the refund waits: the same agent's triage calls go straight through meanwhile.
    for (const ticket of ["T-1043", "T-1044", "T-1045"]) {
      const triaged = await agent.callTool("ticket.triage", { ticket });
      expect(triaged).toMatchObject({ status: "succeeded", result: { ticket, queue: "billing" } });
    }
    expect(tools.refunds).toHaveLength(0);

    const [ls, described] = await Promise.all([
      cli(["approvals", "ls"], keys.ana),
      cli(["describe", "approval", id], keys.ana),
    ]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^ID\s+AGENT\s+TOOL\s+RISK\s+SLA\s+REQUESTED\s+EXPIRES$/m);
    expect(ls.stdout).toMatch(
      new RegExp(`^${id}\\s+support-bot\\s+refund\\.issue\\s+financial\\s+● on track\\s+`, "m"),
    );
    expect(ls.stdout).not.toContain("\x1b[");

    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(new RegExp(`^Approval ${id}  pending  ● on track$`, "m"));
    expect(described.stdout).toContain('"ticket": "T-1042"');
    expect(described.stdout).toMatch(/Policy:\s+financial-actions-require-approval/);
    expect(described.stdout).toContain("team:billing-leads → ana@example.com, ben@example.com");
    expect(described.stdout).toMatch(/Channels:\s+slack:#billing-approvals, email:billing-leads@example.com/);
    expect(described.stdout).toMatch(/Expires:\s+\S+ \S+ \(in 59m\), then denied/);
    expect(described.stdout).toMatch(/^ {2}slack:#billing-approvals\s+card\s/m);
    expect(described.stdout).toContain("the audit trail needs an admin key");

    const decided = await cli(
      ["approvals", "decide", id, "--decision", "approve", "--rationale", "Refund eligibility confirmed."],
      keys.ana,
    );
    expect(decided.code, decided.stderr).toBe(0);
    expect(decided.stdout).toContain(`Approved ${id} as ana@example.com: “Refund eligibility confirmed.”`);

    const call = await refund;
    expect(call).toMatchObject({ status: "succeeded", result: { refundId: "R-1", status: "issued" } });
    expect(tools.refunds).toEqual([{ ticket: "T-1042", amount: 129.5, currency: "EUR" }]);

    // Decisions are immutable: a second decider is told who decided, and nothing runs again.
    const again = await cli(
      ["approvals", "decide", id, "--decision", "reject", "--rationale", "Too late?"],
      keys.ben,
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(
        `refused: ${id} was already approved by ana@example.com (just now|.* ago) via cli: “Refund eligibility confirmed\\.”`,
      ),
    );
    expect(tools.refunds).toHaveLength(1);
    // A dozen CLI subprocesses, each a tsx start-up: slow on a loaded machine.
  }, 90_000);

  it("lets only the on-call Role break glass, and records the override in the audit", async () => {
    const refund = agent.callTool("refund.issue", { ticket: "T-2001", amount: 40, currency: "EUR" });
    const id = await pendingRefund("T-2001");
    const reason = "Outage: payment system down; refunds queued; manually granting.";
    const override = (key: string) =>
      cli(
        [
          "approvals",
          "override",
          id,
          "--decision",
          "approve",
          "--grant-by",
          "sre-oncall",
          "--reason",
          reason,
        ],
        key,
      );

    const outsider = await override(keys.eve);
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain("refused: eve@example.com is not a member of Role sre-oncall");
    expect(tools.refunds).toHaveLength(1);

    const oncall = await override(keys.sam);
    expect(oncall.code, oncall.stderr).toBe(0);
    expect(oncall.stdout).toContain(`Approved ${id} as sam@example.com (override under sre-oncall)`);
    expect(await refund).toMatchObject({ status: "succeeded", result: { refundId: "R-2" } });
    expect(tools.refunds).toHaveLength(2);

    // With no COUNTERSIGN_KEY the CLI uses the server's admin key, which may read the audit trail.
    const [described, verified, asOperator] = await Promise.all([
      cli(["describe", "approval", id]),
      cli(["audit", "verify"]),
      // In-process (same code, no second tsx start-up): only the message is checked here.
      runCliInProcess(["audit", "verify"], {
        env: { COUNTERSIGN_URL: server.url, COUNTERSIGN_DATA_DIR: dataDir, COUNTERSIGN_KEY: keys.ana },
      }),
    ]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain("approved by sam@example.com");
    expect(described.stdout).toContain("override under sre-oncall");
    expect(described.stdout).toMatch(/approval\.created\s+agent:support-bot/);
    expect(described.stdout).toMatch(
      /approval\.overridden\s+sam@example\.com\s+approve under sre-oncall “Outage: payment system down;/,
    );
    expect(described.stdout).toMatch(/^ {2}Status:\s+succeeded \(call-/m);
    expect(verified).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(
        /^intact: \d+ audit events checked, (signed through event \d+ by \d+ checkpoint\(s\)|no signed checkpoint yet)( \(\d+ newer events await the next\))?\n$/,
      ),
    });
    // Decided approvals list newest first with who decided; --limit stops paging and says so.
    const history = await runCliInProcess(["approvals", "ls", "--status", "decided", "--limit", "1"], {
      env: { COUNTERSIGN_URL: server.url, COUNTERSIGN_KEY: keys.ana },
    });
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(
      new RegExp(
        `^${id}\\s+approved\\s+support-bot\\s+refund\\.issue\\s.*approved by sam@example\\.com .* via cli, override under sre-oncall$`,
        "m",
      ),
    );
    expect(history.stdout).toContain("… more not shown (--limit 1)");
    // An operator key cannot check the chain; the message says how to use the admin key instead.
    expect(asOperator.code).toBe(1);
    expect(asOperator.stderr).toContain("needs an admin key");
    expect(asOperator.stderr).toContain("run it with COUNTERSIGN_KEY unset to use the admin.key");
  }, 90_000);
});
