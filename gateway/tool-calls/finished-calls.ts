// Allowed calls of idempotent tools end with one row write each. Under load those writes are grouped:
// rows recorded in the same turn of the event loop go out in one statement, at most two statements run
// at once, and rows that finish meanwhile wait for the next. 64 agents then cost a handful of statements
// (and database wake-ups) instead of 64; an agent alone still gets its own statement at once.
import type { Queryable } from "../../db/open.ts";
import { recordFinishedCalls } from "./store.ts";
import type { ToolCallRow } from "./view.ts";

interface Pending {
  row: ToolCallRow;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface FinishedCallWriterOptions {
  /** Statements under way at once; more rows than that wait for the next. */
  concurrency?: number;
  /** Rows per statement (17 parameters each; PostgreSQL allows 65,535 per statement). */
  maxRows?: number;
}

export class FinishedCallWriter {
  private queue: Pending[] = [];
  private running = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxRows: number;

  constructor(
    private readonly q: Queryable,
    options: FinishedCallWriterOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxRows = options.maxRows ?? 500;
  }

  /** Resolves once the row is stored (as its own statement would have), or rejects with why not. */
  record(row: ToolCallRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Writes after the event loop's current round of I/O, so the calls whose tools answered in that round
   * share a statement; at once if nothing else is pending, a round later under load.
   */
  private schedule() {
    if (this.scheduled || this.running >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.concurrency && this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxRows);
        this.running++;
        void this.write(batch).finally(() => {
          this.running--;
          this.schedule();
        });
      }
    });
  }

  private async write(batch: Pending[]): Promise<void> {
    try {
      await recordFinishedCalls(
        this.q,
        batch.map((p) => p.row),
      );
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One bad row (a result PostgreSQL will not store) must fail only its own call: one by one again.
      await Promise.all(batch.map((p) => recordFinishedCalls(this.q, [p.row]).then(p.resolve, p.reject)));
    }
  }
}
