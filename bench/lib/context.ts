// The interface between the driver and its suites. Each suite gets the apiserver client, the
// sizes of this run and a log, and returns measures with their baselines, plus raw details
// for the JSON.
import path from 'node:path';

import { CLUSTER_DIR } from '../../hack/cluster/cluster.js';
import type { ApiServer } from './apiserver.js';
import { samplesOf } from './prometheus.js';
import type { Measure } from './report.js';

export interface ClaimPhase {
  /** Label in the results, e.g. "10/s" or "burst". */
  name: string;
  /** Claims (and baseline Pods) per second; Infinity sends all of them at once. */
  ratePerSecond: number;
  count: number;
}

export interface Sizes {
  /** Replicas of the pools filled from empty. */
  poolSizes: number[];
  /** Warm pool that claims are taken from. */
  claimPool: number;
  claimPhases: ClaimPhase[];
  /** How long each load test of the webhook server runs, in milliseconds. */
  webhookDurationMs: number;
  /** Requests in flight at once against the webhook server. */
  webhookConcurrency: number;
  /** Reserves created through the apiserver with and without the webhooks. */
  createCount: number;
  createConcurrency: number;
  /** Reserves in the operator's cache for the footprint. */
  footprintReserves: number;
  /** --resync-period of the footprint's operators; each idle window lasts one period. */
  footprintResyncSeconds: number;
}

export const FULL_SIZES: Sizes = {
  poolSizes: [100, 500],
  claimPool: 500,
  claimPhases: [
    { name: '10/s', ratePerSecond: 10, count: 100 },
    { name: '50/s', ratePerSecond: 50, count: 250 },
    { name: 'burst', ratePerSecond: Number.POSITIVE_INFINITY, count: 100 },
  ],
  webhookDurationMs: 10_000,
  webhookConcurrency: 16,
  createCount: 1000,
  createConcurrency: 16,
  footprintReserves: 10_000,
  footprintResyncSeconds: 30,
};

/** Small sizes for development on a shared machine; the figures are not for publication. */
export const QUICK_SIZES: Sizes = {
  poolSizes: [20],
  claimPool: 20,
  claimPhases: [
    { name: '10/s', ratePerSecond: 10, count: 10 },
    { name: '50/s', ratePerSecond: 50, count: 10 },
    { name: 'burst', ratePerSecond: Number.POSITIVE_INFINITY, count: 10 },
  ],
  webhookDurationMs: 2000,
  webhookConcurrency: 8,
  createCount: 100,
  createConcurrency: 8,
  footprintReserves: 200,
  footprintResyncSeconds: 10,
};

export interface BenchContext {
  api: ApiServer;
  sizes: Sizes;
  /** Random suffix of this run's namespaces. */
  runId: string;
  log: (message: string) => void;
}

export interface SuiteResult {
  measures: Measure[];
  details: Record<string, unknown>;
}

/** Returns where a suite's operator writes its log: the cluster directory, whose .log files outlive `cluster down`. */
export function operatorLogFile(suite: string): string {
  return path.join(CLUSTER_DIR, `bench-${suite}-operator.log`);
}

/** Counts of apiserver_request_total, keyed `VERB resource[/subresource]`, summed over codes and groups. */
export type RequestCounts = Record<string, number>;

export async function apiserverRequests(api: ApiServer): Promise<RequestCounts> {
  const counts: RequestCounts = {};
  for (const { labels, value } of samplesOf(await api.metrics(), 'apiserver_request_total')) {
    const resource = labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? '');
    const key = `${labels.verb} ${resource}`;
    counts[key] = (counts[key] ?? 0) + value;
  }
  return counts;
}

/** Sums counts keyed `VERB resource` by verb. */
export function byVerb(counts: RequestCounts): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [key, value] of Object.entries(counts)) {
    const verb = key.split(' ')[0]!;
    sums[verb] = (sums[verb] ?? 0) + value;
  }
  return sums;
}

/** The verbs of apiserver_request_total that change objects. */
export const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'DELETECOLLECTION', 'APPLY']);

export const seconds = (milliseconds: number) => milliseconds / 1000;
