// Prometheus metrics of the controllers, registered on the operator's registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Seconds; from a fast reconcile (ms) to a heavy boot of many minutes.
const RECONCILE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LIFECYCLE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

export function createMetrics(registry: Registry) {
  const registers = [registry];
  return {
    reconcileTotal: new Counter({
      name: 'reserve_reconcile_total',
      help: 'Reconciles by controller and outcome (success, requeue, error).',
      labelNames: ['controller', 'outcome'] as const,
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'reserve_reconcile_errors_total',
      help: 'Reconciles that failed and were retried with backoff, by controller.',
      labelNames: ['controller'] as const,
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'reserve_reconcile_duration_seconds',
      help: 'Duration of one reconcile, by controller.',
      labelNames: ['controller'] as const,
      buckets: RECONCILE_BUCKETS,
      registers,
    }),
    apiWrites: new Counter({
      name: 'reserve_api_writes_total',
      help: 'Requests that change objects in the apiserver, by verb and resource.',
      labelNames: ['verb', 'resource'] as const,
      registers,
    }),
    pauseDuration: new Histogram({
      name: 'reserve_pause_duration_seconds',
      help: 'Time from setting spec.paused to true until the Pod is gone.',
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
    resumeDuration: new Histogram({
      name: 'reserve_resume_duration_seconds',
      help: 'Time from a resume (Pod created on the kept volumes) until the Pod is Ready.',
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
    poolMembers: new Gauge({
      name: 'reserve_pool_members',
      help: 'ReserveSet members by state (warming, booted, pausing, warm, stale, stuck, deleting, claimed).',
      labelNames: ['namespace', 'reserveset', 'state'] as const,
      registers,
    }),
    claimsTotal: new Counter({
      name: 'reserve_claims_total',
      help: 'Claimed members whose Pod became Ready, plus members unpaused without the claim webhook.',
      labelNames: ['namespace', 'reserveset'] as const,
      registers,
    }),
    timeToWarm: new Histogram({
      name: 'reserve_time_to_warm_seconds',
      help: 'Time from creating a ReserveSet member until its Pod first became Ready.',
      labelNames: ['namespace'] as const,
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
    claimToReady: new Histogram({
      name: 'reserve_claim_to_ready_seconds',
      help: 'Time from a claim until the claimed Reserve reports its Pod Ready.',
      labelNames: ['namespace'] as const,
      buckets: LIFECYCLE_BUCKETS,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
