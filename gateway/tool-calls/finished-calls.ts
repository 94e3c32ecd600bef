// Allowed calls of idempotent tools end with one row write each, and that write happens after the agent
// has its answer: the lone call no longer waits for a database round trip it does not need (the tool was
// safe to call again, and nothing else hangs on the row). Rows recorded within 20 ms go out together in
// one statement, one statement at a time, so busy agents cost tens of statements and database wake-ups
// a second instead of thousands.
//
// What the agent could notice, and how it cannot: a row not yet written is still readable through this
// process (`pending`, used by GET /v1/tool-calls/{id}); the server stores every pending row before it
// stops (`drain`); a database that stops taking rows leaves them queued and retried, and once the queue
// holds `maxBacklog` rows new lean calls are refused with 503 *before* their tool runs, so memory stays
// bounded and no call goes unrecorded because of an outage. Only a crash of this process or of PostgreSQL
// within those 20 ms can lose a record (README, "Design note").
import type { Queryable } from "../../db/open.ts";
import { CodedError } from "../../handlers/errors.ts";
import { recordFinishedCalls } from "./store.ts";
import type { ToolCallRow } from "./view.ts";

export interface FinishedCallWriterOptions {
  /**
   * How long the first row of a group waits for others before its statement goes out. 20 ms: an agent
   * alone then shares a statement with its next few calls (at 5 ms its p50 stood about 10 % higher in
   * the gateway bench, the database's wake-ups competing for the same cores), and a crash can lose no
   * more than that much of records whose calls were safe to repeat.
   */
  groupMs?: number;
  /** Rows per statement (the rows travel as one JSON parameter, so only memory bounds it). */
  maxRows?: number;
  /** Rows waiting for the database beyond which new lean calls are refused before their tool runs. */
  maxBacklog?: number;
  /** First pause after a failed statement; doubled after each failure, up to 30 s. */
  retryMs?: number;
  /** Hears each failure: a statement that will be retried, or a row the database refuses for good. */
  onError?: (err: unknown, rows: ToolCallRow[], dropped: boolean) => void;
}

const MAX_RETRY_MS = 30_000;

export class FinishedCallWriter {
  /** Rows recorded and not yet stored, by call id, in the order they were recorded. */
  private readonly queue = new Map<string, ToolCallRow>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private readonly groupMs: number;
  private readonly maxRows: number;
  private readonly maxBacklog: number;
  private readonly retryMs: number;

  constructor(
    private readonly q: Queryable,
    private readonly options: FinishedCallWriterOptions = {},
  ) {
    this.groupMs = options.groupMs ?? 20;
    this.maxRows = options.maxRows ?? 500;
    this.maxBacklog = options.maxBacklog ?? 10_000;
    this.retryMs = options.retryMs ?? 1_000;
  }

  /** Rows waiting for the database. */
  get backlog(): number {
    return this.queue.size;
  }

  /** Refuses a lean call before its tool runs while the database is not keeping up (503, retry later). */
  refuseIfBacklogged(): void {
    if (this.queue.size < this.maxBacklog) return;
    throw new CodedError(
      "unavailable",
      `the database is not storing call records (${this.queue.size} waiting); the call was not made, retry shortly`,
    );
  }

  /** Queues the finished call's row; it is stored within about `groupMs` while the database answers. */
  record(row: ToolCallRow): void {
    this.queue.set(row.id, row);
    this.schedule(this.groupMs);
  }

  /** A recorded row the database does not hold yet. */
  pending(id: string): ToolCallRow | undefined {
    return this.queue.get(id);
  }

  /**
   * Stores every row recorded so far; a failing database is retried until `deadlineMs` passes. Answers
   * how many rows are still not stored (0 unless the database stayed down).
   */
  async drain(deadlineMs = 10_000): Promise<number> {
    const end = Date.now() + deadlineMs;
    while ((this.queue.size > 0 || this.writing) && Date.now() < end) {
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.writeNext();
      if (this.failures > 0)
        await new Promise((r) => setTimeout(r, Math.min(this.pause(), end - Date.now())));
    }
    return this.queue.size;
  }

  private schedule(delayMs: number) {
    if (this.timer || this.writing || this.queue.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeNext();
    }, delayMs);
  }

  /** One statement for the oldest rows; then the next group, or a pause after a failure. */
  private writeNext(): Promise<void> {
    if (this.writing) return this.writing;
    const batch: ToolCallRow[] = [];
    for (const row of this.queue.values()) {
      if (batch.push(row) === this.maxRows) break;
    }
    this.writing = this.store(batch).finally(() => {
      this.writing = undefined;
      this.schedule(this.failures > 0 ? this.pause() : this.groupMs);
    });
    return this.writing;
  }

  private async store(batch: ToolCallRow[]): Promise<void> {
    try {
      await recordFinishedCalls(this.q, batch);
      this.stored(batch);
    } catch (err) {
      if (!refusedForGood(err)) return this.failed(err, batch);
      // A row the database refuses for what it holds must not keep the rows beside it out: one by one.
      for (const row of batch) {
        try {
          await recordFinishedCalls(this.q, [row]);
          this.stored([row]);
        } catch (rowErr) {
          if (!refusedForGood(rowErr)) return this.failed(rowErr, [row]);
          this.queue.delete(row.id);
          this.options.onError?.(rowErr, [row], true);
        }
      }
    }
  }

  private stored(rows: ToolCallRow[]) {
    this.failures = 0;
    for (const row of rows) this.queue.delete(row.id);
  }

  private failed(err: unknown, rows: ToolCallRow[]) {
    this.failures++;
    this.options.onError?.(err, rows, false);
  }

  private pause(): number {
    return Math.min(this.retryMs * 2 ** (this.failures - 1), MAX_RETRY_MS);
  }
}

/**
 * A data or integrity error (SQLSTATE classes 22 and 23) is about the rows and will not pass on a retry;
 * anything else — a lost connection, a database shutting down — is about the database, and will.
 */
function refusedForGood(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === "string" && /^2[23][0-9A-Z]{3}$/.test(e.code)) return true;
  }
  return false;
}
