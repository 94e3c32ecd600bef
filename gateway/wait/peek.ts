// The first look of a long-poll: is the thing still waiting, and whose is it? Asked by every agent that
// starts to wait, so the looks are grouped: the ids asked for in one turn of the event loop go out in one
// query, not one full read each. 10,000 agents starting to wait at once cost tens of queries and little
// memory, where full reads queued behind the pool would hold a parsed approval each.
import { eq, inArray } from "drizzle-orm";
import type { Queryable } from "../../db/open.ts";
import { approvals, toolCalls } from "../../db/schema.ts";

/** What a waiter waits on: an approval, or a tool call. */
export type WaitKind = "approval" | "call";

export interface Look {
  status: string;
  /** The agent the approval or call belongs to (who may see it). */
  agent: string;
  /** When the approval (a call's approval) expires, in ms since the epoch. */
  expiresAt: number | undefined;
}

type Asked = Map<string, { resolve: (look: Look | null) => void; reject: (err: unknown) => void }[]>;

const BATCH = 1_000;
/** Queries under way at once; the looks asked meanwhile wait for the next one, so batches grow. */
const CONCURRENCY = 2;

export class Peeker {
  private asked: Record<WaitKind, Asked> = { approval: new Map(), call: new Map() };
  private running = 0;
  private scheduled = false;

  constructor(private readonly q: Queryable) {}

  /** The id's status, owner and expiry; null when there is no such approval or call. */
  peek(kind: WaitKind, id: string): Promise<Look | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.asked[kind].get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.asked[kind].set(id, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled || this.running >= CONCURRENCY) return;
    if (this.asked.approval.size === 0 && this.asked.call.size === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const kind of ["approval", "call"] as const) {
        const asked = this.asked[kind];
        if (asked.size === 0 || this.running >= CONCURRENCY) continue;
        // Up to BATCH ids; the rest stay asked for the next query.
        const batch: Asked = new Map();
        for (const [id, waiting] of asked) {
          batch.set(id, waiting);
          asked.delete(id);
          if (batch.size === BATCH) break;
        }
        this.running++;
        void this.answer(kind, batch).finally(() => {
          this.running--;
          this.schedule();
        });
      }
    });
  }

  private async answer(kind: WaitKind, batch: Asked): Promise<void> {
    try {
      const looks = await (kind === "approval" ? approvalLooks : callLooks)(this.q, [...batch.keys()]);
      for (const [id, waiting] of batch) for (const w of waiting) w.resolve(looks.get(id) ?? null);
    } catch (err) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(err);
    }
  }
}

async function approvalLooks(q: Queryable, ids: string[]): Promise<Map<string, Look>> {
  const rows = await q
    .select({
      id: approvals.id,
      status: approvals.status,
      agent: approvals.agent,
      expiresAt: approvals.expiresAt,
    })
    .from(approvals)
    .where(inArray(approvals.id, ids));
  return new Map(
    rows.map((r) => [r.id, { status: r.status, agent: r.agent, expiresAt: r.expiresAt.getTime() }]),
  );
}

async function callLooks(q: Queryable, ids: string[]): Promise<Map<string, Look>> {
  const rows = await q
    .select({
      id: toolCalls.id,
      status: toolCalls.status,
      agent: toolCalls.agent,
      expiresAt: approvals.expiresAt,
    })
    .from(toolCalls)
    .leftJoin(approvals, eq(approvals.id, toolCalls.approvalId))
    .where(inArray(toolCalls.id, ids));
  return new Map(
    rows.map((r) => [r.id, { status: r.status, agent: r.agent, expiresAt: r.expiresAt?.getTime() }]),
  );
}
