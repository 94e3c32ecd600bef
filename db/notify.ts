// Telling every process sharing the database that rows changed, inside the transaction that changed them.
import { notify, type Queryable } from "./open.ts";

/**
 * Tells listeners these ids changed: by id for one, with a single "*" ("look again at everything you
 * wait on", as after a lost listener connection) for a batch. Every listener in every replica reacts to
 * each notification, some with a query, so a sweep batch of 200 sent one by one would set off 200 queries
 * per replica and starve the API's connection pool.
 */
export async function notifyChanged(q: Queryable, channel: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await notify(q, channel, ids.length === 1 ? ids[0]! : "*");
}
