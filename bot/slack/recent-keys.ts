// A bounded memory of recently seen keys with an expiry. It only spares duplicate modals and messages
// within one process; correctness (one decision) lives in SQL, so forgetting on restart is harmless.
export class RecentKeys {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  /** Records `key`; true if it was already seen within the ttl. */
  check(key: string, now = Date.now()): boolean {
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return true;
    this.seen.delete(key);
    this.seen.set(key, now);
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return false;
  }
}
