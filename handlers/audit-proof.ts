// What proves the audit log without trusting the database: the SHA-256 chain over every event, and
// checkpoints of its head signed with an Ed25519 key the database never holds. Pure functions over plain
// events and checkpoints, so the server (over its tables) and a third party (over an export file, with
// only the public key) run the very same checks. The CLI imports this file for the offline check.
import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import type { AuditCheckpoint, AuditEvent, AuditExport, AuditVerification } from "../sdk/types.ts";
import { canonicalJson } from "./canonical-json.ts";

export const GENESIS_HASH = "0".repeat(64);

export interface HashedEventFields {
  type: string;
  approvalId?: string | null;
  actor: string;
  data: Record<string, unknown>;
  at: Date;
}

export function hashEvent(prevHash: string, e: HashedEventFields): string {
  const body = canonicalJson({
    type: e.type,
    approvalId: e.approvalId ?? null,
    actor: e.actor,
    data: e.data,
    at: e.at.toISOString(),
  });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}

/** The bytes a checkpoint signs; the prefix keeps these signatures from meaning anything else. */
export function checkpointMessage(c: Pick<AuditCheckpoint, "eventId" | "headHash" | "at">): Buffer {
  return Buffer.from(`countersign.audit-checkpoint.v1\n${c.eventId}\n${c.headHash}\n${c.at}`);
}

/** A key's id: the first 16 hex digits of SHA-256 over its SPKI DER (stable across PEM formatting). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("hex").slice(0, 16);
}

/** Public keys (PEM text) by key id; throws naming the problem when one is not an Ed25519 public key. */
export function trustedKeys(pems: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const pem of pems) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") {
      throw new Error(`a trusted audit key must be Ed25519, not ${key.asymmetricKeyType}`);
    }
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

/**
 * Checks a chain fed oldest first, page by page, against the checkpoints: every event's hash and link,
 * every checkpoint's signature by a trusted key, and that the event each checkpoint names is still there
 * with the hash that was signed. Rewriting an event and recomputing every later hash passes the chain
 * but not the next checkpoint; cutting off the newest events leaves a checkpoint naming a missing event.
 */
export class AuditProofChecker {
  private prevHash = GENESIS_HASH;
  private lastEventId = 0;
  private checked = 0;
  private readonly problems: string[] = [];
  private firstBadEventId: number | undefined;
  /** Checkpoints whose signature holds, by the event they cover, oldest first; matched as events pass. */
  private readonly pending: AuditCheckpoint[] = [];
  private signedThrough = 0;
  /** Events after the newest matching checkpoint: what the chain alone vouches for. */
  private unsigned = 0;

  constructor(
    private readonly checkpoints: readonly AuditCheckpoint[],
    keys: Map<string, KeyObject>,
  ) {
    for (const c of [...checkpoints].sort((a, b) => a.eventId - b.eventId || a.id - b.id)) {
      const key = keys.get(c.keyId);
      if (!key) {
        this.problems.push(`checkpoint ${c.id} is signed by key ${c.keyId}, which is not a trusted key`);
        continue;
      }
      let valid = false;
      try {
        valid = verify(null, checkpointMessage(c), key, Buffer.from(c.signature, "base64"));
      } catch {
        valid = false;
      }
      if (!valid) {
        this.problems.push(`checkpoint ${c.id}: its signature does not verify with key ${c.keyId}`);
        continue;
      }
      this.pending.push(c);
    }
  }

  add(event: AuditEvent): void {
    const expected = hashEvent(this.prevHash, { ...event, at: new Date(event.at) });
    if (this.firstBadEventId === undefined) {
      if (event.prevHash !== this.prevHash) {
        this.fail(event.id, `event ${event.id}: its prev_hash does not link to the event before it`);
      } else if (event.hash !== expected) {
        this.fail(event.id, `event ${event.id}: its hash does not match its contents (edited?)`);
      }
    }
    // Checkpoints naming an event that is not there (removed from the middle) are reported by finish().
    while (this.pending.length > 0 && this.pending[0]!.eventId <= event.id) {
      const c = this.pending.shift()!;
      if (c.eventId < event.id) {
        this.fail(
          this.signedThrough + 1,
          `checkpoint ${c.id} signed event ${c.eventId}, which is missing from the log: events were removed`,
        );
      } else if (c.headHash !== event.hash) {
        this.fail(
          this.signedThrough + 1,
          `checkpoint ${c.id} signed event ${c.eventId} with hash ${c.headHash.slice(0, 12)}…, but it is now ` +
            `${event.hash.slice(0, 12)}…: an event from ${this.signedThrough + 1} to ${c.eventId} was rewritten`,
        );
      } else {
        this.signedThrough = c.eventId;
        this.unsigned = 0;
      }
    }
    if (event.id > this.signedThrough) this.unsigned++;
    this.prevHash = event.hash;
    this.lastEventId = event.id;
    if (this.firstBadEventId === undefined) this.checked++;
  }

  finish(): AuditVerification {
    const seen = this.lastEventId;
    for (const c of this.pending) {
      this.fail(
        seen + 1,
        `checkpoint ${c.id} signed event ${c.eventId}, but the log ends at ${seen || "no event"}: events were cut off`,
      );
    }
    const ok = this.problems.length === 0;
    return {
      ok,
      checked: this.checked,
      ...(this.firstBadEventId !== undefined && { firstBadEventId: this.firstBadEventId }),
      checkpoints: this.checkpoints.length,
      signedThrough: this.signedThrough,
      unsignedEvents: this.unsigned,
      problems: this.problems,
    };
  }

  private fail(eventId: number, problem: string): void {
    this.problems.push(problem);
    this.firstBadEventId ??= eventId;
  }
}

/**
 * The offline check of an export file (POST /v1/audit/export) with only the public key(s) the verifier
 * trusts: the chain from the genesis, every checkpoint, and that every event in the file is signed for.
 * The file's own publicKey field is ignored: trusting it would let whoever edits the file re-sign it.
 */
export function verifyExport(file: unknown, publicKeyPems: readonly string[]): AuditVerification {
  const shape = file as Partial<AuditExport> | null;
  if (
    typeof shape !== "object" ||
    shape === null ||
    shape.format !== "countersign.audit-export.v1" ||
    !Array.isArray(shape.events) ||
    !Array.isArray(shape.checkpoints)
  ) {
    return {
      ok: false,
      checked: 0,
      problems: ["the file is not a countersign audit export (format countersign.audit-export.v1)"],
    };
  }
  const checker = new AuditProofChecker(shape.checkpoints, trustedKeys(publicKeyPems));
  for (const event of shape.events) checker.add(event);
  const result = checker.finish();
  if (result.ok && (result.unsignedEvents ?? 0) > 0) {
    const problem = `${result.unsignedEvents} events after event ${result.signedThrough} are signed by no checkpoint`;
    return { ...result, ok: false, problems: [problem] };
  }
  if (result.ok && shape.events.length === 0) {
    return { ...result, ok: false, problems: ["the export holds no events"] };
  }
  return result;
}
