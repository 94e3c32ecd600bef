// The audit log proves itself without trusting the database. Someone with superuser access can disable
// the triggers, edit an event and recompute every later hash (the chain alone then holds), or cut off the
// newest events: the checkpoints signed with a key the database never held catch both. An export is
// checked offline by a third party holding only the public key, and a tampered export is refused.
import { createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { queryRows } from "../../db/open.ts";
import { decide } from "../../handlers/approvals/index.ts";
import { AuditProofChecker, checkpointMessage, hashEvent } from "../../handlers/audit-proof.ts";
import type { AuditExport } from "../../sdk/types.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { runCliInProcess } from "../helpers/cli.ts";
import { backend, testDatabase } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";

describe(`audit proof (${backend})`, () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  /** A server with three decided approvals and a checkpoint of the head; answers the events' ids. */
  async function loggedServer(): Promise<number[]> {
    t = await startTestApp();
    for (const who of ["ana@example.com", "ben@example.com", "ana@example.com"]) {
      const approvalId = await seedApproval(t.app.deps);
      await decide(t.app.deps, {
        approvalId,
        decision: "approve",
        rationale: "checked",
        actor: { email: who },
        via: "api",
      });
    }
    await t.app.checkpointer.checkpoint();
    const rows = await queryRows<{ id: string }>(t.database.db, sql`SELECT id FROM audit_events ORDER BY id`);
    return rows.map((r) => Number(r.id));
  }

  const verify = async () => (await t.call("GET", "/v1/audit/verify", { key: t.adminKey })).body;

  /** What a superuser can do: the trigger off, any change, every later hash recomputed, the trigger on. */
  async function rewriteAsSuperuser(change: () => Promise<unknown>) {
    const db = t.database.db;
    await db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable`);
    await change();
    const rows = await queryRows<{
      id: string;
      at: Date;
      type: string;
      approval_id: string | null;
      actor: string;
      data: Record<string, unknown>;
    }>(db, sql`SELECT id, at, type, approval_id, actor, data FROM audit_events ORDER BY id`);
    let prev = "0".repeat(64);
    for (const r of rows) {
      const hash = hashEvent(prev, { ...r, approvalId: r.approval_id, at: new Date(r.at) });
      await db.execute(sql`UPDATE audit_events SET prev_hash = ${prev}, hash = ${hash} WHERE id = ${r.id}`);
      prev = hash;
    }
    await db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable`);
  }

  it("signs checkpoints with a key file outside the database, and verify vouches for every event", async () => {
    const ids = await loggedServer();
    const keyFile = path.join(t.dataDir, "audit-signing-key.pem");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const pem = readFileSync(keyFile, "utf8");
    const body = pem.split("\n").filter((l) => l && !l.startsWith("-----"))[0]!;
    const dump = await queryRows<{ row: string }>(
      t.database.db,
      sql`SELECT row_to_json(c)::text AS row FROM audit_checkpoints c`,
    );
    expect(dump.length).toBe(1);
    expect(dump[0]!.row).not.toContain(body.slice(0, 40));

    expect(await verify()).toMatchObject({
      ok: true,
      checked: ids.length,
      checkpoints: 1,
      signedThrough: ids.at(-1),
      unsignedEvents: 0,
      problems: [],
    });
    // Newer events are vouched for by the chain alone until the next checkpoint.
    await seedApproval(t.app.deps);
    expect(await verify()).toMatchObject({ ok: true, signedThrough: ids.at(-1), unsignedEvents: 1 });
    await t.app.checkpointer.checkpoint();
    expect(await verify()).toMatchObject({ ok: true, unsignedEvents: 0, checkpoints: 2 });
  });

  it("signs the head once more on shutdown, so the last events of a run are vouched for", async () => {
    const database = await testDatabase();
    try {
      t = await startTestApp({ database });
      await seedApproval(t.app.deps);
      await t.close();
      const [head] = await queryRows<{ id: string }>(
        database.db,
        sql`SELECT max(id) AS id FROM audit_events`,
      );
      const [newest] = await queryRows<{ event_id: string }>(
        database.db,
        sql`SELECT event_id FROM audit_checkpoints ORDER BY id DESC LIMIT 1`,
      );
      expect(Number(newest?.event_id)).toBe(Number(head!.id));
    } finally {
      t = undefined as unknown as TestApp;
      await database.drop();
    }
  });

  it("a rotated key: old checkpoints verify once the old public key is listed in COUNTERSIGN_AUDIT_TRUSTED_KEYS", async () => {
    const database = await testDatabase();
    try {
      t = await startTestApp({ database });
      await seedApproval(t.app.deps);
      const oldPem = readFileSync(path.join(t.dataDir, "audit-signing-key.pem"), "utf8");
      await t.close(); // signs the head with the old key
      const dir = mkdtempSync(path.join(tmpdir(), "countersign-rotation-"));
      const oldPub = path.join(dir, "old.pub");
      writeFileSync(oldPub, createPublicKey(oldPem).export({ type: "spki", format: "pem" }));
      const newKey = path.join(dir, "new.pem");

      t = await startTestApp({ database, env: { COUNTERSIGN_AUDIT_KEY_FILE: newKey } });
      const untrusted = await verify();
      expect(untrusted.ok).toBe(false);
      expect(untrusted.problems).toEqual([expect.stringMatching(/which is not a trusted key$/)]);
      await t.close();

      t = await startTestApp({
        database,
        env: { COUNTERSIGN_AUDIT_KEY_FILE: newKey, COUNTERSIGN_AUDIT_TRUSTED_KEYS: oldPub },
      });
      await seedApproval(t.app.deps);
      await t.app.checkpointer.checkpoint();
      expect(await verify()).toMatchObject({ ok: true, checkpoints: 3, unsignedEvents: 0 });
      rmSync(dir, { recursive: true, force: true });
    } finally {
      await t.close();
      t = undefined as unknown as TestApp;
      await database.drop();
    }
  });

  it("catches an event rewritten with every later hash recomputed, which the chain alone misses", async () => {
    const ids = await loggedServer();
    const target = ids[1]!;
    await rewriteAsSuperuser(() =>
      t.database.db.execute(sql`UPDATE audit_events SET actor = 'mallory@example.com' WHERE id = ${target}`),
    );
    // The forgery is a good one: the hash chain by itself holds.
    const events = (await t.call("GET", "/v1/audit", { key: t.adminKey })).body.items;
    const chainOnly = new AuditProofChecker([], new Map());
    for (const e of events) chainOnly.add(e);
    expect(chainOnly.finish()).toMatchObject({ ok: true, checked: ids.length });

    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^checkpoint \\d+ signed event ${ids.at(-1)} with hash .*an event from 1 to ${ids.at(-1)} was rewritten$`,
        ),
      ),
    ]);
    const cli = await runCliInProcess(["audit", "verify"], {
      env: { COUNTERSIGN_URL: t.url, COUNTERSIGN_ADMIN_KEY: t.adminKey },
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("was rewritten");
  });

  it("catches the newest events cut off", async () => {
    const ids = await loggedServer();
    const keep = ids.at(-3)!;
    await rewriteAsSuperuser(() => t.database.db.execute(sql`DELETE FROM audit_events WHERE id > ${keep}`));
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(
        new RegExp(`signed event ${ids.at(-1)}, but the log ends at ${keep}: events were cut off$`),
      ),
    ]);
  });

  it("refuses a checkpoint signed by a key it does not trust (one forged into the table)", async () => {
    const ids = await loggedServer();
    const mallory = generateKeyPairSync("ed25519");
    const at = new Date().toISOString();
    const [head] = await queryRows<{ hash: string }>(
      t.database.db,
      sql`SELECT hash FROM audit_events WHERE id = ${ids.at(-1)}`,
    );
    const signature = sign(
      null,
      checkpointMessage({ eventId: ids.at(-1)!, headHash: head!.hash, at }),
      mallory.privateKey,
    );
    await t.database.db.execute(sql`INSERT INTO audit_checkpoints (at, event_id, head_hash, key_id, public_key, signature)
      VALUES (${at}, ${ids.at(-1)}, ${head!.hash}, 'ffffffffffffffff', 'x', ${signature.toString("base64")})`);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.stringMatching(/is signed by key ffffffffffffffff, which is not a trusted key$/),
    ]);
  });

  it("exports a file a third party verifies offline with only the public key, and refuses it tampered", async () => {
    await loggedServer();
    await seedApproval(t.app.deps); // after the checkpoint: the export signs it first
    const dir = t.dataDir;
    const env = { COUNTERSIGN_URL: t.url, COUNTERSIGN_ADMIN_KEY: t.adminKey };
    const exported = await runCliInProcess(["audit", "export", "--out", "audit.json"], { env, cwd: dir });
    expect(exported.code, exported.stderr).toBe(0);
    const pub = await runCliInProcess(["audit", "public-key"], { env });
    writeFileSync(path.join(dir, "audit.pub"), pub.stdout);

    // Offline: no server, no admin key, only the file and the key.
    const offline = (file: string, key = "audit.pub") =>
      runCliInProcess(["audit", "verify", "--file", file, "--public-key", key], { cwd: dir });
    const good = await offline("audit.json");
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    const file: AuditExport = JSON.parse(readFileSync(path.join(dir, "audit.json"), "utf8"));
    expect(good.stdout).toContain(
      `intact: ${file.events.length} audit events checked, signed through event ${file.events.at(-1)!.id}`,
    );

    // An event edited and every hash recomputed in the file.
    const edited = structuredClone(file);
    edited.events[0]!.actor = "mallory@example.com";
    let prev = "0".repeat(64);
    for (const e of edited.events) {
      e.prevHash = prev;
      e.hash = hashEvent(prev, { ...e, at: new Date(e.at) });
      prev = e.hash;
    }
    writeFileSync(path.join(dir, "edited.json"), JSON.stringify(edited));
    const refusedEdit = await offline("edited.json");
    expect(refusedEdit.code).toBe(1);
    expect(refusedEdit.stderr).toContain("was rewritten");

    // The same, re-signed with the tamperer's own key and that key put in the file: still refused.
    const mallory = generateKeyPairSync("ed25519");
    const last = edited.checkpoints.at(-1)!;
    edited.checkpoints = [
      {
        ...last,
        headHash: prev,
        publicKey: mallory.publicKey.export({ type: "spki", format: "pem" }).toString(),
        signature: sign(null, checkpointMessage({ ...last, headHash: prev }), mallory.privateKey).toString(
          "base64",
        ),
      },
    ];
    edited.publicKey = edited.checkpoints[0]!.publicKey;
    writeFileSync(path.join(dir, "resigned.json"), JSON.stringify(edited));
    const refusedResigned = await offline("resigned.json");
    expect(refusedResigned.code).toBe(1);
    expect(refusedResigned.stderr).toContain("does not verify");

    // The newest events cut off the file (with the checkpoints that name them).
    const cut = { ...file, events: file.events.slice(0, -2) };
    writeFileSync(path.join(dir, "cut.json"), JSON.stringify(cut));
    const refusedCut = await offline("cut.json");
    expect(refusedCut.code).toBe(1);
    expect(refusedCut.stderr).toContain("events were cut off");

    const noKey = await runCliInProcess(["audit", "verify", "--file", "audit.json"], { cwd: dir });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain("--file needs --public-key");
  });
});
