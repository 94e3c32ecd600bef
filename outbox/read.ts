// Reading the outbox rows of one approval, for `countersign describe approval`: where its card went and
// whether each copy was posted, is waiting for a retry, or failed (and why).
import { asc, eq } from "drizzle-orm";
import type { Queryable } from "../db/open.ts";
import { deliveries } from "../db/schema.ts";
import type { Delivery } from "../sdk/types.ts";

export async function listDeliveries(q: Queryable, approvalId: string): Promise<Delivery[]> {
  const rows = await q
    .select()
    .from(deliveries)
    .where(eq(deliveries.approvalId, approvalId))
    .orderBy(asc(deliveries.id));
  return rows.map((r) => ({
    channel: r.channel,
    platform: r.platform,
    purpose: r.purpose,
    status: r.status,
    target: r.target,
    attempts: r.attempts,
    error: r.error,
    updateDue: r.status === "posted" && r.shownVersion < r.wantVersion,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}
