// Claim latency: with a warm pool, users claim members (an impersonated PATCH of
// spec.paused to false, which both webhooks see) at a steady rate and in a burst. Measured:
// the time from the claim request to the claimed Reserve's Pod Ready and to the Reserve
// reporting Ready, and the time the pool takes to refill. Baselines, at the same rate: bare
// Pods created from the same template, timed to Ready, and a ReplicaSet of the pool's size
// replacing as many deleted Pods.
//
// Every Pod here boots with no simulated delay, because kwok cannot model an image cache:
// the figures are the control-plane overhead of a claim, not the heavy boot it saves.
import type { ApiResponse } from './lib/apiserver.js';
import { statusMessage } from './lib/apiserver.js';
import { operatorLogFile, seconds, type BenchContext, type ClaimPhase, type SuiteResult } from './lib/context.js';
import { OperatorProcess, sleep } from './lib/operator-process.js';
import {
  barePod,
  BENCH_LABEL,
  CLAIMER_GROUP,
  createNamespace,
  deleteNamespace,
  grantClaimers,
  podsPath,
  replicaSet,
  replicaSetsPath,
  reserveSet,
  reserveSetsPath,
  reservesPath,
  waitForWebhooks,
} from './lib/objects.js';
import type { Measure } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';
import { isPodReady, NamespaceTracker, type Tracked } from './lib/tracker.js';

const SUITE = 'claim latency';
const POOL = 'pool';
const REFILL_BASELINE = 'refill-baseline';
const NAMESPACE_DELETE_TIMEOUT_MS = 600_000;

/** One request sent by sendPaced. */
interface Sent {
  sentAt: number;
  status: number;
  durationMs: number;
  message?: string;
}

interface PhaseResult {
  /** Claim request to the claimed Reserve's Pod Ready, in milliseconds. */
  podReady: Summary;
  /** Claim request to the Reserve reporting Running with Ready=True, in milliseconds. */
  reserveReady: Summary;
  /** Round trip of the claim request itself (through both webhooks), in milliseconds. */
  request: Summary;
  failures: string[];
  /** First claim to the last replacement member warm, in seconds. */
  refillSeconds: number;
  /** Durations of the steps from claim to Reserve Ready, in milliseconds. */
  stages: Record<string, Summary>;
  /**
   * The operator's CPU time divided by the wall time, from the first claim until the pool
   * was full again. The operator runs JavaScript on one thread, so near 1 it is saturated.
   */
  operatorCpuUtilization: number;
}

interface BaselineResult {
  podReady: Summary;
  request: Summary;
  failures: string[];
}

const waitTimeoutMs = (count: number) => 120_000 + count * 1000;

export async function runClaimLatency(context: BenchContext): Promise<SuiteResult> {
  const { api, sizes } = context;
  const namespace = `bench-claim-${context.runId}`;
  await createNamespace(api, namespace);
  const tracker = new NamespaceTracker(api, namespace);
  let operator: OperatorProcess | undefined;
  try {
    await grantClaimers(api, namespace);
    await tracker.start();
    operator = await OperatorProcess.start({ api, namespaces: [namespace], registerWebhooks: true, logFile: operatorLogFile('claim-latency') });
    await waitForWebhooks(api, namespace);

    context.log(`claim latency: filling a pool of ${sizes.claimPool} and a ReplicaSet of ${sizes.claimPool}`);
    await api.ok('POST', reserveSetsPath(namespace), { body: reserveSet(POOL, sizes.claimPool) });
    await tracker.waitFor(`${sizes.claimPool} warm members; see ${operator.logFile}`, waitTimeoutMs(sizes.claimPool), () =>
      tracker.warmMembers(POOL).length >= sizes.claimPool,
    );
    await api.ok('POST', replicaSetsPath(namespace), { body: replicaSet(REFILL_BASELINE, sizes.claimPool) });
    await tracker.waitFor(`${sizes.claimPool} Ready Pods of ReplicaSet ${REFILL_BASELINE}`, waitTimeoutMs(sizes.claimPool), () =>
      readyPods(tracker, REFILL_BASELINE).length >= sizes.claimPool,
    );

    const measures: Measure[] = [];
    const details: Record<string, unknown> = {};
    for (const [index, phase] of sizes.claimPhases.entries()) {
      const bare = await measureBarePods(context, tracker, namespace, phase, index);
      const claims = await measureClaims(context, tracker, operator, namespace, phase);
      const replicaSetRefill = await measureReplicaSetRefill(context, tracker, namespace, phase);
      details[phase.name] = { claims, barePods: bare, replicaSetRefillSeconds: replicaSetRefill };
      const stages = Object.entries(claims.stages).map(([stage, summary]) => `${stage} p50 ${summary.p50.toFixed(0)} ms`);
      context.log(`claim latency ${phase.name}: ${stages.join('; ')}; operator CPU ${(claims.operatorCpuUtilization * 100).toFixed(0)}%`);
      measures.push(...phaseMeasures(phase, claims, bare, replicaSetRefill));
    }
    return { measures, details };
  } finally {
    tracker.stop();
    await operator?.stop();
    if (!(await deleteNamespace(api, namespace, NAMESPACE_DELETE_TIMEOUT_MS))) {
      context.log(`namespace ${namespace} is still being deleted after ${NAMESPACE_DELETE_TIMEOUT_MS / 1000}s`);
    }
  }
}

function phaseMeasures(phase: ClaimPhase, claims: PhaseResult, bare: BaselineResult, replicaSetRefill: number): Measure[] {
  const label = `${phase.count} at ${phase.name}`;
  const percentiles = ['p50', 'p90', 'p99'] as const;
  const latency = (target: string, summary: Summary) =>
    percentiles.map(
      (p): Measure => ({
        suite: SUITE,
        name: `claim to ${target} ${p}, ${label}`,
        unit: 'ms',
        value: summary[p],
        baselineName: `bare Pod create to Ready ${p}`,
        baseline: bare.podReady[p],
        better: 'lower',
      }),
    );
  return [
    ...latency('Pod Ready', claims.podReady),
    ...latency('Reserve Ready', claims.reserveReady),
    {
      suite: SUITE,
      name: `pool refill after ${label}`,
      unit: 's',
      value: claims.refillSeconds,
      baselineName: `ReplicaSet replacing ${phase.count} deleted Pods`,
      baseline: replicaSetRefill,
      better: 'lower',
    },
  ];
}

/** Creates bare Pods at the phase's rate and times each from its create request to Ready. */
async function measureBarePods(
  context: BenchContext,
  tracker: NamespaceTracker,
  namespace: string,
  phase: ClaimPhase,
  phaseIndex: number,
): Promise<BaselineResult> {
  const { api } = context;
  const runLabel = `bare-${phaseIndex}`;
  const names = Array.from({ length: phase.count }, (_, index) => `bare-${phaseIndex}-${index}`);
  context.log(`claim latency ${phase.name}: creating ${phase.count} bare Pods`);
  const since = performance.now();
  const sent = await sendPaced(phase.count, phase.ratePerSecond, (index) =>
    api.request('POST', podsPath(namespace), { body: barePod(names[index]!, runLabel) }),
  );
  const created = names.filter((_, index) => sent[index]!.status === 201);
  const pod = (name: string) => tracker.latest('pods', name, since);
  await tracker.waitFor(`${created.length} bare Pods to become Ready`, waitTimeoutMs(phase.count), () =>
    created.every((name) => pod(name)?.readyAt !== undefined),
  );
  const result: BaselineResult = {
    podReady: summarize(names.flatMap((name, index) => (sent[index]!.status === 201 ? [pod(name)!.readyAt! - sent[index]!.sentAt] : []))),
    request: summarize(sent.filter((entry) => entry.status === 201).map((entry) => entry.durationMs)),
    failures: failures(sent, 201),
  };

  await api.ok('DELETE', `${podsPath(namespace)}?labelSelector=${encodeURIComponent(`${BENCH_LABEL}=${runLabel}`)}`);
  await tracker.waitFor(`bare Pods of ${phase.name} to be deleted`, waitTimeoutMs(phase.count), () =>
    created.every((name) => pod(name)?.deleted === true),
  );
  return result;
}

/** Claims warm members at the phase's rate, times them to Ready, and times the pool's refill. */
async function measureClaims(
  context: BenchContext,
  tracker: NamespaceTracker,
  operator: OperatorProcess,
  namespace: string,
  phase: ClaimPhase,
): Promise<PhaseResult> {
  const { api, sizes } = context;
  const names = tracker.warmMembers(POOL).slice(0, phase.count);
  if (names.length < phase.count) throw new Error(`only ${names.length} warm members to claim, ${phase.count} needed`);

  context.log(`claim latency ${phase.name}: claiming ${phase.count} members`);
  const cpuBefore = operator.usage().cpuSeconds;
  const since = performance.now();
  const sent = await sendPaced(phase.count, phase.ratePerSecond, (index) =>
    api.request('PATCH', `${reservesPath(namespace)}/${names[index]}`, {
      body: { spec: { paused: false } },
      contentType: 'application/merge-patch+json',
      impersonate: { user: `claimer-${index}`, groups: [CLAIMER_GROUP] },
    }),
  );
  const claimed = names.filter((_, index) => sent[index]!.status === 200);
  const pod = (name: string) => tracker.latest('pods', name, since);
  const reserve = (name: string) => tracker.latest('reserves', name);
  await tracker.waitFor(`${claimed.length} claimed Reserves and their Pods to become Ready`, waitTimeoutMs(phase.count), () =>
    claimed.every((name) => pod(name)?.readyAt !== undefined && reserve(name)?.readyAt !== undefined),
  );
  const podReady: number[] = [];
  const reserveReady: number[] = [];
  const stageSamples: Record<string, number[]> = {
    'claim response to Pod created': [],
    'Pod created to scheduled': [],
    'Pod scheduled to Ready': [],
    'Pod Ready to Reserve Ready': [],
  };
  names.forEach((name, index) => {
    const request = sent[index]!;
    if (request.status !== 200) return;
    const claimedPod = pod(name)!;
    podReady.push(claimedPod.readyAt! - request.sentAt);
    reserveReady.push(reserve(name)!.readyAt! - request.sentAt);
    stageSamples['claim response to Pod created']!.push(claimedPod.addedAt - (request.sentAt + request.durationMs));
    stageSamples['Pod created to scheduled']!.push(claimedPod.scheduledAt! - claimedPod.addedAt);
    stageSamples['Pod scheduled to Ready']!.push(claimedPod.readyAt! - claimedPod.scheduledAt!);
    stageSamples['Pod Ready to Reserve Ready']!.push(reserve(name)!.readyAt! - claimedPod.readyAt!);
  });

  // The set replaces each claimed member with a new one; the refill ends when the last
  // replacement is warm.
  const replacements = () =>
    [...tracker.reserves.values()].filter((tracked) => tracked.addedAt >= since && tracked.name.startsWith(`${POOL}-`) && tracked.warmAt !== undefined);
  await tracker.waitFor(`${claimed.length} replacement members to become warm`, waitTimeoutMs(sizes.claimPool), () => replacements().length >= claimed.length);
  const refillEnd = nthSmallest(replacements().map((tracked) => tracked.warmAt!), claimed.length);
  await tracker.waitFor(`the pool to hold ${sizes.claimPool} warm members`, waitTimeoutMs(sizes.claimPool), () =>
    tracker.warmMembers(POOL).length >= sizes.claimPool,
  );
  const operatorCpuUtilization = (operator.usage().cpuSeconds - cpuBefore) / seconds(performance.now() - since);

  // Claimed Reserves keep running; deleting them keeps every phase on the same cluster.
  for (const name of claimed) await api.request('DELETE', `${reservesPath(namespace)}/${name}`);
  await tracker.waitFor(`the Pods of the claimed Reserves to be deleted`, waitTimeoutMs(phase.count), () =>
    claimed.every((name) => pod(name)?.deleted === true),
  );
  return {
    podReady: summarize(podReady),
    reserveReady: summarize(reserveReady),
    request: summarize(sent.filter((entry) => entry.status === 200).map((entry) => entry.durationMs)),
    failures: failures(sent, 200),
    refillSeconds: seconds(refillEnd - sent[0]!.sentAt),
    stages: Object.fromEntries(Object.entries(stageSamples).map(([stage, samples]) => [stage, summarize(samples)])),
    operatorCpuUtilization,
  };
}

/**
 * Deletes as many Pods of the baseline ReplicaSet as the phase claimed, at the same rate,
 * and returns the seconds from the first deletion until the last replacement is Ready.
 */
async function measureReplicaSetRefill(context: BenchContext, tracker: NamespaceTracker, namespace: string, phase: ClaimPhase): Promise<number> {
  const { api, sizes } = context;
  const victims = readyPods(tracker, REFILL_BASELINE).slice(0, phase.count);
  context.log(`claim latency ${phase.name}: deleting ${victims.length} Pods of ReplicaSet ${REFILL_BASELINE}`);
  const since = performance.now();
  const sent = await sendPaced(victims.length, phase.ratePerSecond, (index) => api.request('DELETE', `${podsPath(namespace)}/${victims[index]!.name}`));
  const failed = failures(sent, 200);
  if (failed.length > 0) throw new Error(`deleting Pods of ReplicaSet ${REFILL_BASELINE} failed: ${failed[0]}`);
  const replacements = () => readyPods(tracker, REFILL_BASELINE).filter((tracked) => tracked.addedAt >= since);
  await tracker.waitFor(`${victims.length} replacement Pods of ReplicaSet ${REFILL_BASELINE}`, waitTimeoutMs(sizes.claimPool), () =>
    replacements().length >= victims.length,
  );
  return seconds(nthSmallest(replacements().map((tracked) => tracked.readyAt!), victims.length) - sent[0]!.sentAt);
}

function readyPods(tracker: NamespaceTracker, app: string): Tracked[] {
  return [...tracker.pods.values()].filter((tracked) => !tracked.deleted && tracked.labels.app === app && isPodReady(tracked.object));
}

/**
 * Sends count requests, request i at start + i / rate seconds, without waiting for earlier
 * ones to finish, so a slow response delays no later request. An infinite rate sends all at once.
 */
async function sendPaced(count: number, ratePerSecond: number, send: (index: number) => Promise<ApiResponse>): Promise<Sent[]> {
  const start = performance.now();
  const pending: Promise<Sent>[] = [];
  for (let index = 0; index < count; index++) {
    if (Number.isFinite(ratePerSecond)) {
      const delay = start + (index * 1000) / ratePerSecond - performance.now();
      if (delay > 0) await sleep(delay);
    }
    const sentAt = performance.now();
    pending.push(
      send(index).then(
        (response): Sent => ({
          sentAt,
          status: response.status,
          durationMs: response.durationMs,
          ...(response.status >= 300 ? { message: statusMessage(response.body) } : {}),
        }),
        (error: unknown): Sent => ({ sentAt, status: 0, durationMs: Number.NaN, message: String(error) }),
      ),
    );
  }
  return Promise.all(pending);
}

function failures(sent: readonly Sent[], expectedStatus: number): string[] {
  return sent.filter((entry) => entry.status !== expectedStatus).map((entry) => `HTTP ${entry.status}: ${entry.message ?? ''}`);
}

function nthSmallest(values: number[], n: number): number {
  return [...values].sort((a, b) => a - b)[n - 1] ?? Number.NaN;
}
