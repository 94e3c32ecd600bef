// What the parts print their measurements against: the goals, percentiles, and milliseconds.
export const GOALS = {
  /** At 64 agents, the gateway's calls per second over the bare proxy's. */
  throughputShare: 0.6,
  /** At 1 agent, the gateway's added p50 over the bare proxy's. */
  addedP50Ratio: 2,
  resumeP99Ms: 50,
  /** RSS added by 10,000 waiting agents. */
  waitersAddedMb: 120,
  allResumedMs: 1_000,
};

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
