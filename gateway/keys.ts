// API keys: random, shown once, stored as SHA-256. A key is bound to an agent, an operator (a person's
// email) or is an admin key.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Queryable } from "../db/open.ts";
import { apiKeys } from "../db/schema.ts";

export type KeyKind = "agent" | "operator" | "admin";

export interface Principal {
  kind: KeyKind;
  /** Agent name, operator email, or "admin". */
  subject: string;
}

const PREFIX: Record<KeyKind, string> = { agent: "csk_agent_", operator: "csk_op_", admin: "csk_admin_" };

export function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateKey(kind: KeyKind): string {
  return PREFIX[kind] + randomBytes(24).toString("base64url");
}

export async function createKey(q: Queryable, principal: Principal): Promise<string> {
  const key = generateKey(principal.kind);
  await q.insert(apiKeys).values({
    id: randomUUID(),
    kind: principal.kind,
    subject: principal.subject,
    keyHash: hashKey(key),
  });
  return key;
}

export async function findKey(q: Queryable, key: string): Promise<Principal | null> {
  const [row] = await q
    .select({ kind: apiKeys.kind, subject: apiKeys.subject })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ?? null;
}

export async function hasAdminKey(q: Queryable): Promise<boolean> {
  const [row] = await q.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.kind, "admin")).limit(1);
  return row !== undefined;
}
