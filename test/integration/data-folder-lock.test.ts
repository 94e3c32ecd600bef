// The PGlite data folder's lock: one holder, named when refused; a dead holder's lock taken over; and of
// several processes grabbing it at the same moment — with or without a stale lock there — exactly one wins.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFolderInUseError, LOCK_FILE, lockDataFolder } from "../../db/data-folder-lock.ts";

const COMPILED = path.resolve(import.meta.dirname, "../../dist/db/data-folder-lock.js");

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "countersign-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockFile = () => path.join(dir, LOCK_FILE);
const holderPid = () => JSON.parse(readFileSync(lockFile(), "utf8")).pid;

/** The pid of a process that has exited. */
function deadPid(): number {
  const run = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  return Number(run.stdout.trim());
}

function bootId(): string | undefined {
  return existsSync("/proc/sys/kernel/random/boot_id")
    ? readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()
    : undefined;
}

function writeStaleLock(fields: Record<string, unknown> = {}): void {
  const stale = { pid: deadPid(), host: hostname(), bootId: bootId(), token: "stale", ...fields };
  writeFileSync(lockFile(), JSON.stringify(stale));
}

describe("the data folder lock", () => {
  it("is held until released, and a second taker is told the holder's pid", () => {
    const lock = lockDataFolder(dir);
    expect(holderPid()).toBe(process.pid);
    expect(() => lockDataFolder(dir)).toThrow(new DataFolderInUseError(dir, process.pid, undefined));
    expect(() => lockDataFolder(dir)).toThrow(`data folder ${dir} is in use by process ${process.pid}`);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
    lockDataFolder(dir).release();
  });

  it("takes over a lock whose process is gone", () => {
    writeStaleLock();
    const lock = lockDataFolder(dir);
    expect(holderPid()).toBe(process.pid);
    lock.release();
  });

  it("takes over a lock written before the machine restarted, whatever runs under that pid now", () => {
    // pid 1 is alive, but the boot id says the lock is from an earlier boot.
    if (!bootId()) return console.warn("skipped: no /proc/sys/kernel/random/boot_id on this system");
    writeStaleLock({ pid: 1, bootId: "an-earlier-boot" });
    lockDataFolder(dir).release();
  });

  it("refuses a lock held from another host, since it cannot tell whether that process lives", () => {
    writeStaleLock({ host: "other-host" });
    expect(() => lockDataFolder(dir)).toThrow(
      `data folder ${dir} is in use by process ${holderPid()} on host other-host (if that process is gone, delete ${lockFile()})`,
    );
  });

  it("takes over a lock file it cannot read", () => {
    writeFileSync(lockFile(), "not json");
    lockDataFolder(dir).release();
  });

  for (const stale of [false, true]) {
    it(`lets exactly one of eight processes starting at once win${stale ? ", over a stale lock" : ""}`, async () => {
      if (stale) writeStaleLock();
      const results = await race(8);
      const winners = results.filter((r) => r.startsWith("won"));
      expect(winners, results.join("\n")).toHaveLength(1);
      const winnerPid = Number(winners[0]!.split(" ")[1]);
      for (const r of results.filter((x) => !x.startsWith("won"))) {
        expect(r).toBe(`lost data folder ${dir} is in use by process ${winnerPid}`);
      }
    });
  }
});

/**
 * Starts n processes that each try to lock `dir` at the same instant; each prints "won PID" (and holds the
 * lock until told to exit) or "lost MESSAGE". Answers every line once all n have answered.
 */
async function race(n: number): Promise<string[]> {
  const startAt = Date.now() + 2500;
  const script = `
    const { lockDataFolder } = await import(${JSON.stringify(COMPILED)});
    while (Date.now() < ${startAt}) {}
    try {
      lockDataFolder(${JSON.stringify(dir)});
      console.log("won " + process.pid);
      process.stdin.resume();
      process.stdin.on("end", () => process.exit(0));
    } catch (err) {
      console.log("lost " + err.message);
    }`;
  const children: ChildProcess[] = [];
  const lines = await Promise.all(
    Array.from({ length: n }, () => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        stdio: ["pipe", "pipe", "inherit"],
      });
      children.push(child);
      return new Promise<string>((resolve) => {
        let out = "";
        child.stdout!.on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve(out.trim());
        });
        child.once("exit", () => resolve(out.trim()));
      });
    }),
  );
  await Promise.all(
    children.map((c) => {
      c.stdin!.end();
      return new Promise((resolve) => (c.exitCode === null ? c.once("exit", resolve) : resolve(null)));
    }),
  );
  return lines;
}
