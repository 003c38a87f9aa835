/**
 * Prometheus metrics (prom-client) in a registry of the service's own, served at /metrics:
 * requests by route and status, a latency histogram, the executions open and the decisions taken,
 * the market feed's bars and the plans that waited for it, plus the process's default metrics (CPU,
 * memory, event-loop lag).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly decisions: Counter<'policy'>;
  readonly feedBars: Counter;
  readonly feedWaits: Counter<'policy'>;
}

/** `openExecutions` is read at each scrape (from the store, so it counts across restarts). */
export function createMetrics(openExecutions: () => number): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'execlab_http_requests_total', help: 'HTTP requests answered, by route template and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const latency = new Histogram({
    name: 'execlab_http_request_duration_seconds',
    help: 'Time from request to answer, by route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const decisions = new Counter({ name: 'execlab_decisions_total', help: 'Period decisions taken by the policies', labelNames: ['policy'] as const, registers: [registry] });
  new Gauge({
    name: 'execlab_executions_open',
    help: 'Executions neither cancelled nor past their horizon',
    registers: [registry],
    collect() {
      this.set(openExecutions());
    },
  });
  const feedBars = new Counter({ name: 'execlab_feed_bars_total', help: 'Bars the market feed stored (retries not counted)', registers: [registry] });
  const feedWaits = new Counter({
    name: 'execlab_feed_waits_total',
    help: 'Plans of policies that read the market context refused (409) because the feed lacked the period\'s cross-section',
    labelNames: ['policy'] as const,
    registers: [registry],
  });
  return { registry, requests, latency, decisions, feedBars, feedWaits };
}
