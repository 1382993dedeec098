/** Prometheus metrics: per-stage latency, outcomes and in-flight work, on one registry per app. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface StageMetrics {
  observe(stage: string, outcome: StageOutcomeLabel, seconds: number): void;
  inFlight(stage: string, delta: 1 | -1): void;
  jobFinished(status: 'completed' | 'failed'): void;
  deadLettered(stage: string): void;
}

export type StageOutcomeLabel = 'ok' | 'failed' | 'retried' | 'dead_lettered' | 'skipped';

export interface Metrics extends StageMetrics {
  readonly registry: Registry;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'media_studio_' });
  const duration = new Histogram({
    name: 'media_studio_stage_duration_seconds',
    help: 'Time one message spends in a stage, by outcome',
    labelNames: ['stage', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'media_studio_stage_in_flight',
    help: 'Messages being processed now, by stage',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'media_studio_jobs_finished_total',
    help: 'Jobs finished, by status',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const dlq = new Counter({
    name: 'media_studio_dead_lettered_total',
    help: 'Messages sent to the dead-letter topic, by stage',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  return {
    registry,
    observe: (stage, outcome, seconds) => duration.observe({ stage, outcome }, seconds),
    inFlight: (stage, delta) => inFlight.inc({ stage }, delta),
    jobFinished: (status) => jobs.inc({ status }),
    deadLettered: (stage) => dlq.inc({ stage }),
  };
}
