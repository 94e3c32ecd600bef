// What team approvals cost, on the real server and database, each beside a baseline measured in the same
// run:
//   (a) deciding: an approval toward a quorum of two (counted: the row lock, the sign-off, the count) and
//       the one that meets it (decided), beside deciding a single-approver approval;
//   (b) authenticating: a request with a stored key (cached a second; revocation NOTIFYs every replica)
//       beside the same request with COUNTERSIGN_ADMIN_KEY, which never touches the database.
// Run: npm run bench -- team-approvals [rounds]   (PGlite; COUNTERSIGN_TEST_DATABASE_URL=postgres://… for
// PostgreSQL)
import { backend } from "../test/helpers/db.ts";
import { startTeamWorld, waitingCall } from "../test/helpers/team-world.ts";

const ROUNDS = Number(process.argv[2] ?? 100);

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function line(name: string, ms: number[], baseline?: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const ratio = baseline
    ? ` (p50 ${(
        pct(s, 50) /
          pct(
            [...baseline].sort((a, b) => a - b),
            50,
          )
      ).toFixed(2)}× baseline)`
    : "";
  console.log(
    `${name.padEnd(44)} n=${s.length} p50=${pct(s, 50).toFixed(2)} ms p99=${pct(s, 99).toFixed(2)} ms${ratio}`,
  );
}

const w = await startTeamWorld();
const single: number[] = [];
const counted: number[] = [];
const decided: number[] = [];
const stored: number[] = [];
const envAdmin: number[] = [];
const timed = async (fn: () => Promise<{ status: number }>, into: number[], warm: boolean, want = 200) => {
  const at = performance.now();
  const res = await fn();
  const ms = performance.now() - at;
  if (res.status !== want) throw new Error(`expected ${want}, got ${res.status}`);
  if (!warm) into.push(ms);
};
try {
  const adminStored = await w.t.call("POST", "/v1/keys", {
    key: w.t.adminKey,
    body: { agent: "payments-bot" },
  });
  const storedKey: string = adminStored.body.key;
  for (let i = 0; i < ROUNDS + 10; i++) {
    const warm = i < 10;
    const approve = (key: string, id: string) =>
      w.t.call("POST", `/v1/approvals/${id}`, { key, body: { decision: "approve", rationale: "bench" } });
    const one = await waitingCall(w, "refund.issue", { ticket: `B-${i}` });
    const two = await waitingCall(w, "vendor.pay", { vendor: "acme", amount: 10_000 + i, currency: "EUR" });
    await timed(() => approve(w.keys.ana, one.approvalId), single, warm);
    await timed(() => approve(w.keys.ana, two.approvalId), counted, warm);
    await timed(() => approve(w.keys.ben, two.approvalId), decided, warm);
    await timed(() => w.t.call("GET", "/v1/tool-calls/call-none", { key: storedKey }), stored, warm, 404);
    await timed(
      () => w.t.call("GET", "/v1/tool-calls/call-none", { key: w.t.adminKey }),
      envAdmin,
      warm,
      404,
    );
  }
} finally {
  await w.close();
}
console.log(`team approvals (${backend}, ${ROUNDS} rounds after 10 to warm up)`);
line("baseline: decide a single-approver approval", single);
line("quorum of 2: first approval (counted)", counted, single);
line("quorum of 2: second approval (decided)", decided, single);
line("baseline: request with COUNTERSIGN_ADMIN_KEY", envAdmin);
line("request with a stored key (1 s cache)", stored, envAdmin);
