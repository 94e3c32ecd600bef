// One process per PGlite data folder. PGlite is PostgreSQL in this process's memory: a second process on
// the same files does not wait or fail cleanly, it overwrites the first one's pages and committed rows are
// lost. So the folder gets a lock file before anything opens the database.
//
// The lock is DATA_DIR/pglite.lock, holding the owner's pid, host and boot id. It is created whole and
// atomically (written aside, then hard-linked into place: link fails if the name exists), so of two
// processes starting at the same moment exactly one gets it. A lock left by a process that died (same
// host, pid gone or the machine rebooted since) is taken over; takeovers are serialised by a second,
// short-lived lock file, so two processes cannot both take over the same stale lock and both win.
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";

export const LOCK_FILE = "pglite.lock";

export class DataFolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
    readonly host: string | undefined,
  ) {
    super(
      host === undefined
        ? `data folder ${folder} is in use by process ${pid}`
        : `data folder ${folder} is in use by process ${pid} on host ${host} ` +
            `(if that process is gone, delete ${path.join(folder, LOCK_FILE)})`,
    );
    this.name = "DataFolderInUseError";
  }
}

export interface DataFolderLock {
  readonly file: string;
  /** Removes the lock file if it is still this lock's (idempotent). */
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  bootId: string | undefined;
  token: string;
}

/** Lock files this process holds, so opening the same folder twice in one process is refused too. */
const held = new Map<string, string>();
/** A takeover lock older than this belongs to a process that died during its few-syscall takeover. */
const TAKEOVER_STALE_MS = 10_000;

/** Takes the folder's lock or throws DataFolderInUseError naming the process that has it. */
export function lockDataFolder(folder: string): DataFolderLock {
  const file = path.join(folder, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    host: hostname(),
    bootId: bootId(),
    token: randomBytes(8).toString("hex"),
  };
  if (held.has(file)) throw new DataFolderInUseError(folder, process.pid, undefined);
  mkdirSync(folder, { recursive: true });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (createExclusive(file, me)) {
      held.set(file, me.token);
      process.once("exit", release);
      return { file, release };
    }
    const holder = readHolder(file);
    if (holder === undefined) continue; // released meanwhile: try again
    if (!isStale(holder, me)) {
      throw new DataFolderInUseError(folder, holder.pid, holder.host === me.host ? undefined : holder.host);
    }
    takeOver(file, holder, me);
  }
  throw new Error(`could not lock ${folder}: its lock file keeps changing`);

  function release() {
    if (held.get(file) !== me.token) return;
    held.delete(file);
    process.removeListener("exit", release);
    if (readHolder(file)?.token === me.token) unlinkSync(file);
  }
}

/** Creates `file` holding `holder`, only if it does not exist; false if it does. */
function createExclusive(file: string, holder: Holder): boolean {
  const draft = `${file}.${holder.pid}.${holder.token}`;
  writeFileSync(draft, `${JSON.stringify(holder)}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(draft);
  }
}

function readHolder(file: string): Holder | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(text) as Holder;
    if (Number.isInteger(h.pid) && typeof h.host === "string") return h;
  } catch {}
  // Not written by us (created whole, so never half-written): nobody can be holding it.
  return { pid: 0, host: hostname(), bootId: undefined, token: "unreadable" };
}

function isStale(holder: Holder, me: Holder): boolean {
  if (holder.host !== me.host) return false; // another machine's process: cannot tell, so it holds
  if (holder.pid === 0 || holder.pid === me.pid) return true; // our pid: an earlier life (a restarted container)
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return true; // the machine restarted since
  return !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the stale lock `holder` left, unless someone already replaced it. One taker at a time. */
function takeOver(file: string, holder: Holder, me: Holder): void {
  const takeover = `${file}.takeover`;
  if (!createExclusive(takeover, me)) {
    const age = Date.now() - (statSync(takeover, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > TAKEOVER_STALE_MS) unlinkQuietly(takeover);
    else sleep(20);
    return;
  }
  try {
    // Under the takeover lock nobody else removes the lock file, and nobody creates it while it exists,
    // so if it still names the dead holder, removing it removes exactly that stale lock.
    if (readHolder(file)?.token === holder.token) unlinkQuietly(file);
  } finally {
    unlinkQuietly(takeover);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Linux's id of this boot: a lock written before a reboot is stale whatever its pid. */
function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}
