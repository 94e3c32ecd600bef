// Readings from Linux's /proc: CPU time and resident memory of the server and its PostgreSQL backends.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/PID/stat times, on Linux

interface CpuUsed {
  /** User and system time, in seconds. */
  total: number;
  /** The system (kernel) part of it. */
  kernel: number;
}

/** CPU each process has used so far; processes gone are left out. */
function cpuSeconds(pids: number[]): Map<number, CpuUsed> {
  const used = new Map<number, CpuUsed>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      const user = Number(fields[11]);
      const system = Number(fields[12]);
      used.set(pid, { total: (user + system) / TICKS_PER_SECOND, kernel: system / TICKS_PER_SECOND });
    } catch {}
  }
  return used;
}

/** The PostgreSQL backends serving `database` (their command line names it). */
function backendPids(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(` ${database} `)) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/**
 * CPU the server process (and, on PostgreSQL, the database's backends) spent while `fn` ran: a cost per
 * call that the machine's other load does not inflate the way it inflates latency.
 */
export async function measureCpu<T>(
  serverPid: number,
  database: string | undefined,
  fn: () => Promise<T>,
): Promise<{ result: T; serverS: number; serverSystemS: number; postgresS: number }> {
  const before = cpuSeconds([serverPid, ...(database ? backendPids(database) : [])]);
  const result = await fn();
  const after = cpuSeconds([serverPid, ...(database ? backendPids(database) : [])]);
  let serverS = 0;
  let serverSystemS = 0;
  let postgresS = 0;
  for (const [pid, used] of after) {
    const spent = used.total - (before.get(pid)?.total ?? 0);
    if (pid !== serverPid) postgresS += spent;
    else {
      serverS = spent;
      serverSystemS = used.kernel - (before.get(pid)?.kernel ?? 0);
    }
  }
  return { result, serverS, serverSystemS, postgresS };
}

/** Resident memory now (VmRSS) or at its highest so far (VmHWM), in MB. */
export function rssMb(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return line ? Number(line[1]) / 1024 : Number.NaN;
}

/**
 * Resolves once the server has taken in every waiter: its CPU use over half a second falls under 5%
 * (a long-poll costs nothing while it waits). A fixed pause can end while connections are still being
 * accepted, which measures fewer waiters than claimed. Gives up after 60 s.
 */
export async function settled(pid: number): Promise<number> {
  const start = performance.now();
  let last = cpuSeconds([pid]).get(pid)?.total ?? 0;
  while (performance.now() - start < 60_000) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds([pid]).get(pid)?.total ?? 0;
    if (now - last < 0.025) break;
    last = now;
  }
  return performance.now() - start;
}
