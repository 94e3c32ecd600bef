// Signed checkpoints of the audit chain's head. The signing key lives outside the database (a key file or
// configuration, bot/audit-key.ts); a checkpoint is written periodically, on shutdown and before an
// export, only when the head moved since the newest one.
import { type KeyObject, sign } from "node:crypto";
import { desc } from "drizzle-orm";
import type { Queryable } from "../db/open.ts";
import { auditCheckpoints, auditEvents } from "../db/schema.ts";
import type { AuditCheckpoint } from "../sdk/types.ts";
import { checkpointMessage } from "./audit-proof.ts";

export interface AuditSigner {
  privateKey: KeyObject;
  keyId: string;
  /** SPKI PEM of the public half. */
  publicKey: string;
}

export interface AuditKeys {
  signer: AuditSigner;
  /** The keys verify accepts: the signer's and every configured earlier one, by key id. */
  trusted: Map<string, KeyObject>;
}

/**
 * Signs the chain's current head unless the newest checkpoint already covers it; answers the newest
 * checkpoint either way (undefined while the log is empty). Appends hold the chain lock until they commit,
 * in id order, so the newest committed event always closes a whole committed chain: no lock is needed.
 */
export async function checkpointHead(
  q: Queryable,
  signer: AuditSigner,
  now: Date,
): Promise<AuditCheckpoint | undefined> {
  const [head] = await q
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  const [newest] = await q.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1);
  if (!head) return undefined;
  if (newest && newest.eventId >= head.id && newest.keyId === signer.keyId) {
    return { ...newest, at: newest.at.toISOString() };
  }
  // Milliseconds only, as PostgreSQL keeps them and the signature covers the ISO text read back.
  const at = new Date(Math.floor(now.getTime())).toISOString();
  const signature = sign(
    null,
    checkpointMessage({ eventId: head.id, headHash: head.hash, at }),
    signer.privateKey,
  ).toString("base64");
  const [row] = await q
    .insert(auditCheckpoints)
    .values({
      at: new Date(at),
      eventId: head.id,
      headHash: head.hash,
      keyId: signer.keyId,
      publicKey: signer.publicKey,
      signature,
    })
    .returning();
  return { ...row!, at: row!.at.toISOString() };
}
