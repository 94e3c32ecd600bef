// Writes a signed checkpoint of the audit chain's head every COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS (when
// the head moved) and once more on shutdown, so verify can vouch for everything up to the last moment the
// process ran. A failed checkpoint is logged; the next tick tries again.
import type { Logger } from "pino";
import { type AuditKeys, checkpointHead } from "../handlers/audit-checkpoints.ts";
import type { HandlerDeps } from "../handlers/deps.ts";

export class AuditCheckpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly keys: AuditKeys,
    private readonly logger: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.checkpoint(), this.everyMs);
    this.timer.unref();
  }

  /** One checkpoint now (none when the newest already covers the head); never throws. */
  checkpoint(): Promise<void> {
    this.running ??= checkpointHead(this.deps.database.db, this.keys.signer, this.deps.clock.now())
      .then(
        () => undefined,
        (err) => this.logger.error({ err }, "audit checkpoint failed"),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer and writes the last checkpoint. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.checkpoint();
  }
}
