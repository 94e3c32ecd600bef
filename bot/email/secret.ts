// The key that signs email links, kept in the database so every replica signs and verifies with the same
// one: the first replica to need it inserts a random key, every later one (and every restart) reads it.
// It is never logged and never leaves the server.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Queryable } from "../../db/open.ts";
import { serverSecrets } from "../../db/schema.ts";

export const LINK_SECRET_NAME = "email_link_signing_key";

export async function loadLinkSecret(q: Queryable): Promise<Buffer> {
  // Two replicas racing here both insert; the primary key keeps the first and both read it back.
  await q
    .insert(serverSecrets)
    .values({ name: LINK_SECRET_NAME, value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await q
    .select({ value: serverSecrets.value })
    .from(serverSecrets)
    .where(eq(serverSecrets.name, LINK_SECRET_NAME));
  if (!row) throw new Error(`${LINK_SECRET_NAME} is missing from server_secrets`);
  return Buffer.from(row.value, "base64url");
}
