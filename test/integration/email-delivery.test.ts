// Email delivery against a real SMTP server that misbehaves: a permanent refusal fails the delivery with
// the server's reason, a temporary one is retried and mails only who was missed, and neither holds up
// the approval. Also: several email channels mail each approver once, an optional rationale may be left
// empty, and the link-signing key lives outside the database: reading every table mints no decide link.
import { statSync } from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkSigner } from "../../bot/email/links.ts";
import { loadLinkKeys } from "../../bot/email/secret.ts";
import { queryRows } from "../../db/open.ts";
import { decisions, deliveries } from "../../db/schema.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { API_VERSION, decisionToolYaml, resourcesYaml } from "../helpers/resource-yaml.ts";
import { seedApproval } from "../helpers/seed.ts";
import { type SmtpSink, type SunkMail, startSmtpSink } from "../helpers/smtp-sink.ts";

// newsletter.send: one approver, two email channels, rationale optional.
const TWO_LISTS_YAML = resourcesYaml(
  decisionToolYaml("newsletter.send", "communication"),
  `${API_VERSION}
kind: Policy
metadata: { name: newsletters }
spec:
  appliesTo: { agents: [support-bot] }
  rules:
    - when: { tool.name: newsletter.send }
      require:
        approval: human
        approvalRouting: { approvers: [user:ana@example.com], timeoutMinutes: 30, onTimeout: deny }
        channels: [email:marketing@example.com, email:comms@example.com]
        rationale: optional`,
);

describe(`email delivery (${backend})`, () => {
  let sink: SmtpSink;
  let t: TestApp;
  const clock = new ManualClock();

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({
      clock,
      yaml: TWO_LISTS_YAML,
      env: { SMTP_URL: sink.url, EMAIL_FROM: "countersign@example.com" },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const emailDeliveries = (approvalId: string) =>
    t.database.db
      .select()
      .from(deliveries)
      .where(eq(deliveries.approvalId, approvalId))
      .then((rows) => rows.filter((r) => r.platform === "email"));

  /** Polls until the approval's email deliveries satisfy `done` (bounded: 5 s). */
  async function untilDeliveries(
    approvalId: string,
    done: (rows: Awaited<ReturnType<typeof emailDeliveries>>) => boolean,
  ) {
    for (let i = 0; ; i++) {
      const rows = await emailDeliveries(approvalId);
      if (done(rows) || i >= 100) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const mailsAbout = (address: string, id: string) =>
    sink.mails.filter((m) => m.to.includes(address) && m.subject.includes(id));

  function approveLink(mail: SunkMail): string {
    const url = /^Approve: (\S+)$/m.exec(mail.text)![1]!;
    return t.url + url.slice(t.app.config.publicUrl.length);
  }

  it("a permanent refusal fails the delivery with the server's reason; the approval goes on", async () => {
    sink.refuse("ben@example.com", 550, "5.1.1 mailbox unavailable", 1);
    const id = await seedApproval(t.app.deps);
    const [toAna] = await sink.waitFor("ana@example.com", 1, id);
    const [row] = await untilDeliveries(id, (rows) => rows[0]?.status === "failed");
    expect(row).toMatchObject({ status: "failed", channel: "email:billing-leads@example.com" });
    expect(row!.error).toContain("sent to ana@example.com; mail to ben@example.com refused: 550");
    expect(row!.error).toContain("mailbox unavailable");
    expect(row!.error).not.toContain("s3cret-pass");
    expect(mailsAbout("ben@example.com", id)).toEqual([]);
    expect(mailsAbout("ana@example.com", id)).toHaveLength(1);

    // Ana's link still decides.
    const res = await fetch(approveLink(toAna!), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "rationale=checked",
    });
    expect(res.status).toBe(200);
    const [decision] = await t.database.db.select().from(decisions).where(eq(decisions.approvalId, id));
    expect(decision).toMatchObject({ via: "email", decidedBy: "ana@example.com" });
  });

  it("a temporary refusal is retried after backoff, mailing only the approver who was missed", async () => {
    sink.refuse("ben@example.com", 451, "4.3.0 try again later", 1);
    const id = await seedApproval(t.app.deps);
    await sink.waitFor("ana@example.com", 1, id);
    const [waiting] = await untilDeliveries(id, (rows) => rows[0]?.error != null);
    expect(waiting).toMatchObject({ status: "pending" });
    expect(waiting!.error).toContain("mail to ben@example.com refused: 451");

    clock.advance(5_000);
    t.app.dispatcher.kick();
    await sink.waitFor("ben@example.com", 1, id);
    const [posted] = await untilDeliveries(id, (rows) => rows[0]?.status === "posted");
    expect(posted).toMatchObject({
      status: "posted",
      error: null,
      target: "ana@example.com, ben@example.com",
    });
    expect(mailsAbout("ana@example.com", id)).toHaveLength(1);
    expect(mailsAbout("ben@example.com", id)).toHaveLength(1);
  });

  it("two email channels on one approval mail the approver once; an optional rationale may be empty", async () => {
    const id = await seedApproval(t.app.deps, { tool: "newsletter.send", input: { list: "all" } });
    const [toAna] = await sink.waitFor("ana@example.com", 1, id);
    const rows = await untilDeliveries(id, (r) => r.length === 2 && r.every((d) => d.status === "posted"));
    expect(rows.map((r) => r.status)).toEqual(["posted", "posted"]);
    expect(rows.find((r) => r.channel === "email:comms@example.com")!.messageRef).toBe(
      "sent with email:marketing@example.com",
    );
    expect(mailsAbout("ana@example.com", id)).toHaveLength(1);
    expect(
      sink.mails.filter((m) => m.to.includes("marketing@example.com") || m.to.includes("comms@example.com")),
    ).toEqual([]);

    const page = await fetch(approveLink(toAna!)).then((r) => r.text());
    expect(page).toContain("Rationale</b> (optional)");
    expect(page).not.toMatch(/<textarea[^>]* required>/);
    const res = await fetch(approveLink(toAna!), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(res.status).toBe(200);
    const [decision] = await t.database.db.select().from(decisions).where(eq(decisions.approvalId, id));
    expect(decision).toMatchObject({ decision: "approve", decidedBy: "ana@example.com", rationale: "" });
  });

  it("the form must be form-encoded; another body is refused with a page and decides nothing", async () => {
    const id = await seedApproval(t.app.deps);
    const [toAna] = await sink.waitFor("ana@example.com", 1, id);
    const res = await fetch(approveLink(toAna!), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rationale: "json" }),
    });
    expect(res.status).toBe(415);
    expect(await res.text()).toContain("Send the form as application/x-www-form-urlencoded.");
    expect(await t.database.db.select().from(decisions).where(eq(decisions.approvalId, id))).toEqual([]);
  });

  it("keeps the link-signing key out of the database: every secret-looking value in it mints no decide link", async () => {
    const id = await seedApproval(t.app.deps);
    const [toAna] = await sink.waitFor("ana@example.com", 1, id);
    const token = decodeURIComponent(new URL(approveLink(toAna!)).searchParams.get("token")!);
    const claim = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8"));
    const approval = { id, approvers: ["ana@example.com"], expiresAt: new Date(claim.x).toISOString() };

    // Whoever can read the database: every string in every table, and every base64 run inside one.
    const tables = await queryRows<{ name: string }>(
      t.database.db,
      sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
    );
    const candidates = new Set<string>();
    for (const { name } of tables) {
      const rows = await queryRows<{ row: string }>(
        t.database.db,
        sql.raw(`SELECT row_to_json(t)::text AS row FROM "${name}" t`),
      );
      for (const { row } of rows)
        for (const run of row.match(/[A-Za-z0-9+/_=-]{32,}/g) ?? []) candidates.add(run);
    }
    expect(candidates.size).toBeGreaterThan(10);
    const keys = [...candidates]
      .flatMap((c) => [Buffer.from(c, "base64url"), Buffer.from(c)])
      .filter((k) => k.length >= 32);
    for (const key of keys) {
      const forged = new LinkSigner(key).mint(approval, "ana@example.com", "approve");
      const res = await fetch(`${t.url}/email/decide?token=${encodeURIComponent(forged)}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "rationale=minted",
      });
      expect(res.status).toBe(403);
    }
    expect(await t.database.db.select().from(decisions).where(eq(decisions.approvalId, id))).toEqual([]);

    // The key is in DATA_DIR/email-link.key, readable by its owner only, and it is the one that signs.
    const file = path.join(t.dataDir, "email-link.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [fileKey] = loadLinkKeys({ linkKey: undefined, linkKeyFile: file, previousLinkKey: undefined });
    expect(new LinkSigner(fileKey!).verify(token).ok).toBe(true);
  });
});
