// Prometheus metrics. Counts that must agree across replicas and restarts (decisions, breaches, pending)
// are read from the database at scrape time; request latency is measured in this process.

import { sql } from "drizzle-orm";
import { Gauge, Histogram, Registry } from "prom-client";
import { queryRows } from "../../db/open.ts";
import type { HandlerDeps } from "../../handlers/deps.ts";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
}

export function createMetrics(deps: HandlerDeps): Metrics {
  const registry = new Registry();
  const db = deps.database.db;

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

  new Gauge({
    name: "countersign_decisions_total",
    help: "Decisions recorded, by decision and kind (human, override, timeout)",
    labelNames: ["decision", "kind"],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await queryRows<{ decision: string; kind: string; n: number }>(
        db,
        sql`SELECT decision, kind, count(*)::int AS n FROM decisions GROUP BY decision, kind`,
      );
      for (const r of rows) this.set({ decision: r.decision, kind: r.kind }, r.n);
    },
  });

  new Gauge({
    name: "countersign_sla_breaches_total",
    help: "Approvals that passed their SLA breach threshold before being decided",
    registers: [registry],
    async collect() {
      const now = deps.clock.now();
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM approvals WHERE sla_breach_at <= coalesce(decided_at, ${now})`,
      );
      this.set(row?.n ?? 0);
    },
  });

  new Gauge({
    name: "countersign_decision_latency_seconds",
    help: "Time from request to human decision over the last 24 hours, by quantile",
    labelNames: ["quantile"],
    registers: [registry],
    async collect() {
      this.reset();
      const since = new Date(deps.clock.now().getTime() - 86_400_000);
      const [row] = await queryRows<{ p50: number | null; p90: number | null; p99: number | null }>(
        db,
        sql`SELECT
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - a.created_at)) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - a.created_at)) AS p90,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - a.created_at)) AS p99
            FROM decisions d JOIN approvals a ON a.id = d.approval_id
            WHERE d.kind <> 'timeout' AND d.decided_at > ${since}`,
      );
      for (const q of ["p50", "p90", "p99"] as const) {
        const v = row?.[q];
        if (v !== null && v !== undefined) this.set({ quantile: `0.${q.slice(1)}` }, Number(v));
      }
    },
  });

  const httpDuration = new Histogram({
    name: "countersign_http_request_duration_seconds",
    help: "HTTP request latency",
    labelNames: ["method", "route", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });

  return { registry, httpDuration };
}
