// Who is signed in, remembered for a second like API keys are (gateway/http/auth.ts): a page then costs no
// database round trip to learn who asks. Signing out on any replica drops that session at once everywhere
// (SESSION_ENDED carries its id); a revoked key drops every held session (the key authenticator passes on
// KEYS_CHANGED, and a revocation made here at once), as does "*" after a lost listener connection; the
// second is the bound if a notification never arrives. Only live sessions
// are held, never a refusal, and the caller checks the session's and the key's expiry on every request.
import type { Database } from "../../db/open.ts";
import { type ConsoleSession, SESSION_ENDED } from "./sessions.ts";

const HOLD_MS = 1_000;
/** More sessions than any team has open at once; past it the cache starts over rather than grow. */
const MAX_HELD = 10_000;

/** A live session, and until when the person behind it stays known (null: no end, e.g. a key without expiry). */
export interface KnownSession {
  session: ConsoleSession;
  knownUntil: Date | null;
}

export class SessionCache {
  private readonly held = new Map<string, { found: Promise<KnownSession | null>; until: number }>();
  /** Set only while listening: without notifications, a sign-out elsewhere could not drop a held session. */
  private listening = false;
  private unlisten: (() => void)[] = [];

  constructor(private readonly database: Database) {}

  /** Follows sign-outs from every replica, and key changes through the API's key authenticator. */
  async start(keys: { onKeysChanged(fn: () => void): () => void }): Promise<void> {
    this.unlisten = [
      await this.database.listen(SESSION_ENDED, (id) => (id === "*" ? this.held.clear() : this.drop(id))),
      keys.onKeysChanged(() => this.held.clear()),
    ];
    this.listening = true;
  }

  stop(): void {
    this.listening = false;
    this.held.clear();
    for (const unlisten of this.unlisten) unlisten();
  }

  /**
   * The session with this id: as read within the last second, else read now (concurrent requests share one
   * read). A read still running when its session is dropped is dropped with it, so it is never held.
   */
  lookup(id: string, read: () => Promise<KnownSession | null>): Promise<KnownSession | null> {
    const held = this.held.get(id);
    if (held && held.until > Date.now()) return held.found;
    const found = read();
    if (!this.listening) return found;
    const entry = { found, until: Date.now() + HOLD_MS };
    if (this.held.size >= MAX_HELD) this.held.clear();
    this.held.set(id, entry);
    const forget = () => {
      if (this.held.get(id) === entry) this.held.delete(id);
    };
    found.then((known) => {
      if (!known) forget();
    }, forget);
    return found;
  }

  /** Forgets one session at once (signed out here, or SESSION_ENDED from another replica). */
  drop(id: string): void {
    this.held.delete(id);
  }
}
