// What the parts print their measurements against: the goals, percentiles, and milliseconds.
export const GOALS = {
  addedP99Ms: 5,
  pgCallsPerSecond: 1_500,
  resumeP99Ms: 50,
  waitersMb: 300,
  allResumedMs: 1_000,
};

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const ms = (n: number) => `${n.toFixed(2)} ms`;
