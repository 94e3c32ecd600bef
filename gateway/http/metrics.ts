// Prometheus metrics. Counts that must agree across replicas and restarts (decisions, breaches, pending,
// decision latency) are read from the database at scrape time; request latency is measured in this process.
// Types follow Prometheus' rules (promtool check metrics): what only grows is a counter named *_total
// (decisions and audit rows are never deleted, and a breach stays a breach), latency is a histogram.

import { sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { queryRows } from "../../db/open.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
}

/** Upper bounds of the decision latency buckets, in seconds: 10 s up to a day. */
export const DECISION_LATENCY_BUCKETS = [
  10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400,
];

/** What this process holds now, read at scrape time. */
export interface ProcessGauges {
  /** Agents' long-polls (the gateway's waiter hub). */
  longPolls(): number;
  /** Records of answered calls not yet stored (gateway/tool-calls/finished-calls.ts). */
  callRecordsWaiting(): number;
}

export function createMetrics(deps: HandlerDeps, gauges?: ProcessGauges): Metrics {
  const registry = new Registry();
  const db = deps.database.db;

  if (gauges) {
    new Gauge({
      name: "countersign_long_polls_waiting",
      help: "Agents' long-polls (?wait=) this process holds now",
      registers: [registry],
      collect() {
        this.set(gauges.longPolls());
      },
    });
    new Gauge({
      name: "countersign_call_records_waiting",
      help: "Answered calls of idempotent tools whose records this process has not stored yet",
      registers: [registry],
      collect() {
        this.set(gauges.callRecordsWaiting());
      },
    });
  }

  new Gauge({
    name: "countersign_approvals_pending",
    help: "Approvals waiting for a decision",
    registers: [registry],
    async collect() {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM approvals WHERE status = 'pending'`,
      );
      this.set(row?.n ?? 0);
    },
  });

  // Counters read whole from the database: reset, then set to the count (inc from zero) on each scrape.
  new Counter({
    name: "countersign_decisions_total",
    help: "Decisions recorded, by decision and kind (human, override, timeout)",
    labelNames: ["decision", "kind"],
    registers: [registry],
    async collect() {
      const rows = await queryRows<{ decision: string; kind: string; n: number }>(
        db,
        sql`SELECT decision, kind, count(*)::int AS n FROM decisions GROUP BY decision, kind`,
      );
      this.reset();
      for (const r of rows) this.inc({ decision: r.decision, kind: r.kind }, r.n);
    },
  });

  new Counter({
    name: "countersign_sla_breaches_total",
    help: "Approvals that passed their SLA breach threshold before being decided",
    registers: [registry],
    async collect() {
      const now = deps.clock.now();
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM approvals WHERE sla_breach_at <= coalesce(decided_at, ${now})`,
      );
      this.reset();
      this.inc(row?.n ?? 0);
    },
  });

  registry.registerMetric(decisionLatency(deps));

  const httpDuration = new Histogram({
    name: "countersign_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });

  return { registry, httpDuration };
}

const LATENCY = "countersign_decision_latency_seconds";
const LATENCY_HELP = "Time from request to human decision (overrides included, timeouts not)";

/**
 * Time from request to a person's decision (overrides included, timeouts not), as a cumulative histogram
 * over every decision ever recorded, so rate() and histogram_quantile() work across replicas. prom-client's
 * Histogram only counts observations made in this process, so this is a metric of our own: its registry
 * takes any object with a name and get() (its types admit only its own classes, hence the cast).
 */
function decisionLatency(deps: HandlerDeps): Histogram {
  const metric = {
    name: LATENCY,
    help: LATENCY_HELP,
    type: "histogram",
    aggregator: "sum",
    reset() {},
    async get() {
      const buckets = `{${DECISION_LATENCY_BUCKETS.join(",")}}`;
      // One statement, so the buckets, count and sum come from one snapshot and always agree.
      const rows = await queryRows<{ le: number; n: number; total: number; sum: number }>(
        deps.database.db,
        sql`WITH t AS (
              SELECT extract(epoch FROM d.decided_at - a.created_at)::float8 AS s
              FROM decisions d JOIN approvals a ON a.id = d.approval_id
              WHERE d.kind <> 'timeout')
            SELECT b.le, (SELECT count(*) FROM t WHERE t.s <= b.le)::int AS n,
                   (SELECT count(*) FROM t)::int AS total, (SELECT coalesce(sum(s), 0) FROM t)::float8 AS sum
            FROM unnest(${buckets}::float8[]) AS b(le) ORDER BY b.le`,
      );
      const total = rows[0]?.total ?? 0;
      return {
        ...metric,
        values: [
          ...rows.map((r) => ({ metricName: `${LATENCY}_bucket`, labels: { le: Number(r.le) }, value: r.n })),
          { metricName: `${LATENCY}_bucket`, labels: { le: "+Inf" }, value: total },
          { metricName: `${LATENCY}_sum`, labels: {}, value: Number(rows[0]?.sum ?? 0) },
          { metricName: `${LATENCY}_count`, labels: {}, value: total },
        ],
      };
    },
  };
  return metric as unknown as Histogram;
}
