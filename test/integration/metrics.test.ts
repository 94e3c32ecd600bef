// /metrics as Prometheus reads it: `promtool check metrics` finds nothing to complain about (when promtool
// is installed; Debian's prometheus package has it), the same rules hold when checked here, and the
// figures are the database's: decisions and breaches as counters, decision latency as a histogram.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECISION_LATENCY_BUCKETS } from "../../gateway/http/metrics.ts";
import { ManualClock } from "../../handlers/clock.ts";
import { startTestApp, type TestApp } from "../helpers/app.ts";
import { backend } from "../helpers/db.ts";
import { seedApproval } from "../helpers/seed.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format: each family's TYPE and its samples. */
function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const type = line.match(/^# TYPE (\S+) (\S+)$/);
    if (type) types.set(type[1]!, type[2]!);
    const sample = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/);
    if (!sample) continue;
    const labels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The rules promtool applies that matter here, so they are checked even where promtool is absent. */
function expositionProblems(text: string): string[] {
  const { types, samples } = parse(text);
  const problems: string[] = [];
  for (const [name, type] of types) {
    if (type === "counter" && !name.endsWith("_total")) problems.push(`${name}: counter without _total`);
    if (type !== "counter" && name.endsWith("_total")) problems.push(`${name}: ${type} named _total`);
    const own = samples.filter((s) => s.name === name || s.name.startsWith(`${name}_`));
    if (type !== "summary" && own.some((s) => "quantile" in s.labels)) {
      problems.push(`${name}: ${type} with a quantile label`);
    }
    if (type === "histogram") {
      const buckets = own.filter((s) => s.name === `${name}_bucket`);
      const count = own.find((s) => s.name === `${name}_count`)?.value;
      const sorted = [...buckets].sort((a, b) => Number(a.labels.le) - Number(b.labels.le));
      if (sorted.some((b, i) => i > 0 && b.value < sorted[i - 1]!.value))
        problems.push(`${name}: buckets fall`);
      if (buckets.find((b) => b.labels.le === "+Inf")?.value !== count)
        problems.push(`${name}: +Inf ≠ _count`);
    }
  }
  return problems;
}

describe(`/metrics (${backend})`, () => {
  let t: TestApp;
  let text: string;
  const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));

  beforeAll(async () => {
    t = await startTestApp({ clock });
    const ana = await t.operatorKey("ana@example.com");
    const decide = async (id: string, decision: string) => {
      const res = await t.call("POST", `/v1/approvals/${id}`, {
        key: ana,
        body: { decision, rationale: "ok" },
      });
      expect(res.status).toBe(200);
    };
    // Decided after 45 s and after 20 min; a third still pending past its SLA breach (80 % of 60 min).
    const quick = await seedApproval(t.app.deps);
    clock.advance(45 * SECOND);
    await decide(quick, "approve");
    const slow = await seedApproval(t.app.deps);
    clock.advance(20 * MINUTE);
    await decide(slow, "reject");
    await seedApproval(t.app.deps);
    clock.advance(50 * MINUTE);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    text = await res.text();
  });
  afterAll(() => t.close());

  it("passes promtool check metrics", (ctx) => {
    const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    if (run.error) {
      console.warn("promtool check skipped: promtool is not installed (apt-get install prometheus has it)");
      return ctx.skip();
    }
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
  });

  it("keeps Prometheus' rules: counters end in _total, no quantile outside a summary, sane histograms", () => {
    expect(expositionProblems(text)).toEqual([]);
    // The checker itself catches what promtool flagged before these metrics were fixed.
    expect(
      expositionProblems(
        '# TYPE x_total gauge\nx_total 1\n# TYPE y_seconds gauge\ny_seconds{quantile="0.5"} 2\n',
      ),
    ).toEqual(["x_total: gauge named _total", "y_seconds: gauge with a quantile label"]);
  });

  it("reports the database's counts as counters and decision latency as a histogram", () => {
    const { types, samples } = parse(text);
    expect(types.get("countersign_decisions_total")).toBe("counter");
    expect(types.get("countersign_sla_breaches_total")).toBe("counter");
    expect(types.get("countersign_approvals_pending")).toBe("gauge");
    expect(types.get("countersign_decision_latency_seconds")).toBe("histogram");
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(value("countersign_decisions_total", { decision: "approve", kind: "human" })).toBe(1);
    expect(value("countersign_decisions_total", { decision: "reject", kind: "human" })).toBe(1);
    expect(value("countersign_sla_breaches_total")).toBe(1);
    expect(value("countersign_approvals_pending")).toBe(1);

    const latency = "countersign_decision_latency_seconds";
    const bucket = (le: number | string) => value(`${latency}_bucket`, { le: String(le) });
    expect(DECISION_LATENCY_BUCKETS.map((le) => [le, bucket(le)])).toEqual(
      DECISION_LATENCY_BUCKETS.map((le) => [le, (le >= 45 ? 1 : 0) + (le >= 1200 ? 1 : 0)]),
    );
    expect(bucket("+Inf")).toBe(2);
    expect(value(`${latency}_count`)).toBe(2);
    expect(value(`${latency}_sum`)).toBe(45 + 1200);
  });
});
