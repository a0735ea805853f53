// Pool fill: the time from creating a ReserveSet of N until all N members are warm, and the
// apiserver requests it takes, beside a ReplicaSet of N bringing its Pods to Ready on the
// same control plane and kwok nodes.
//
// A member is warm after a full cycle: Reserve, PVC (provisioned and bound), Pod, Ready,
// pause, Pod deleted. The ReplicaSet's Pods use an emptyDir in place of the PVC, so the
// baseline is the cheapest path to N Ready Pods.
import {
  apiserverRequests,
  byVerb,
  operatorLogFile,
  seconds,
  WRITE_VERBS,
  type BenchContext,
  type RequestCounts,
  type SuiteResult,
} from './lib/context.js';
import { OperatorProcess } from './lib/operator-process.js';
import {
  createNamespace,
  deleteNamespace,
  replicaSet,
  replicaSetsPath,
  reserveSet,
  reserveSetsPath,
  waitForWebhooks,
  watchFor,
} from './lib/objects.js';
import { difference, total } from './lib/prometheus.js';
import type { Measure } from './lib/report.js';
import { summarize, type Summary } from './lib/stats.js';
import { NamespaceTracker } from './lib/tracker.js';

const SUITE = 'pool fill';
const NAMESPACE_DELETE_TIMEOUT_MS = 600_000;

interface FillResult {
  seconds: number;
  /** apiserver_request_total during the fill, keyed `VERB resource`. */
  requests: RequestCounts;
  /** Writes of the controller under test, keyed `verb resource`, events excluded. */
  controllerWrites: Record<string, number>;
  /** Events the controller under test created. */
  events: number;
  /** Durations of the steps of each member or Pod, in milliseconds (see stageTimes). */
  stages: Record<string, Summary>;
  /** The operator's CPU time divided by the fill's wall time; the operator runs JavaScript on one thread. */
  operatorCpuUtilization?: number;
}

/** Allows one second per member on top of two minutes: ample for the sizes in context.ts. */
const fillTimeoutMs = (replicas: number) => 120_000 + replicas * 1000;

export async function runPoolFill(context: BenchContext): Promise<SuiteResult> {
  const measures: Measure[] = [];
  const details: Record<string, unknown> = {};
  for (const replicas of context.sizes.poolSizes) {
    const baseline = await fillReplicaSet(context, replicas);
    const pool = await fillReserveSet(context, replicas);
    details[`${replicas}`] = { reserveSet: pool, replicaSet: baseline };
    const perMember = (counts: Record<string, number>) => total(counts) / replicas;
    const writes = (counts: RequestCounts) => Object.fromEntries(Object.entries(counts).filter(([key]) => WRITE_VERBS.has(key.split(' ')[0]!)));
    measures.push(
      {
        suite: SUITE,
        name: `ReserveSet of ${replicas}, all warm`,
        unit: 's',
        value: pool.seconds,
        baselineName: `ReplicaSet of ${replicas}, all Ready`,
        baseline: baseline.seconds,
        better: 'lower',
      },
      {
        suite: SUITE,
        name: `apiserver requests per member (${replicas})`,
        unit: 'req',
        value: perMember(pool.requests),
        baselineName: `per ReplicaSet Pod (${replicas})`,
        baseline: perMember(baseline.requests),
        better: 'lower',
      },
      {
        suite: SUITE,
        name: `apiserver writes per member (${replicas})`,
        unit: 'req',
        value: perMember(writes(pool.requests)),
        baselineName: `per ReplicaSet Pod (${replicas})`,
        baseline: perMember(writes(baseline.requests)),
        better: 'lower',
      },
      {
        suite: SUITE,
        name: `operator writes per member, no events (${replicas})`,
        unit: 'req',
        value: perMember(pool.controllerWrites),
        baselineName: `ReplicaSet controller writes per Pod (${replicas})`,
        baseline: perMember(baseline.controllerWrites),
        better: 'lower',
      },
    );
    context.log(`pool fill ${replicas}: requests by verb, ReserveSet ${JSON.stringify(byVerb(pool.requests))}`);
    context.log(`pool fill ${replicas}: requests by verb, ReplicaSet ${JSON.stringify(byVerb(baseline.requests))}`);
    for (const [label, result] of [['ReserveSet', pool], ['ReplicaSet', baseline]] as const) {
      const stages = Object.entries(result.stages).map(([stage, summary]) => `${stage} p50 ${summary.p50.toFixed(0)} ms, p90 ${summary.p90.toFixed(0)} ms`);
      context.log(`pool fill ${replicas}: ${label} stages: ${stages.join('; ')}`);
    }
  }
  return { measures, details };
}

async function fillReplicaSet(context: BenchContext, replicas: number): Promise<FillResult> {
  const { api } = context;
  const namespace = `bench-rs-${replicas}-${context.runId}`;
  const name = 'baseline';
  await createNamespace(api, namespace);
  const tracker = new NamespaceTracker(api, namespace);
  try {
    await tracker.start();
    const ready = await watchFor(
      api,
      replicaSetsPath(namespace),
      (object) => object.metadata?.name === name && ((object.status?.readyReplicas as number | undefined) ?? 0) >= replicas,
    );
    const before = await apiserverRequests(api);
    context.log(`pool fill ${replicas}: creating ReplicaSet ${namespace}/${name}`);
    const started = performance.now();
    await api.ok('POST', replicaSetsPath(namespace), { body: replicaSet(name, replicas) });
    const finished = await ready.wait(fillTimeoutMs(replicas), `${replicas} Ready Pods of ReplicaSet ${namespace}/${name}`);
    const requests = difference(await apiserverRequests(api), before);
    context.log(`pool fill ${replicas}: ReplicaSet Ready in ${seconds(finished - started).toFixed(1)}s`);
    // The ReplicaSet controller creates the Pods and writes the set's status. Its events are
    // left out, because the apiserver counts them together with the scheduler's.
    const controllerWrites = pick(requests, ['POST pods', 'PUT replicasets/status', 'PATCH replicasets/status']);
    return { seconds: seconds(finished - started), requests, controllerWrites, events: Number.NaN, stages: stageTimes(tracker, started, 'pods') };
  } finally {
    tracker.stop();
    await cleanUp(context, namespace);
  }
}

async function fillReserveSet(context: BenchContext, replicas: number): Promise<FillResult> {
  const { api } = context;
  const namespace = `bench-pool-${replicas}-${context.runId}`;
  const name = 'pool';
  await createNamespace(api, namespace);
  const tracker = new NamespaceTracker(api, namespace);
  let operator: OperatorProcess | undefined;
  try {
    await tracker.start();
    operator = await OperatorProcess.start({ api, namespaces: [namespace], registerWebhooks: true, logFile: operatorLogFile('pool-fill') });
    await waitForWebhooks(api, namespace);
    const warm = await watchFor(
      api,
      reserveSetsPath(namespace),
      (object) => object.metadata?.name === name && ((object.status?.warmReplicas as number | undefined) ?? 0) >= replicas,
    );
    const before = await apiserverRequests(api);
    const writesBefore = await operator.writes();
    const cpuBefore = operator.usage().cpuSeconds;
    context.log(`pool fill ${replicas}: creating ReserveSet ${namespace}/${name}`);
    const started = performance.now();
    await api.ok('POST', reserveSetsPath(namespace), { body: reserveSet(name, replicas) });
    const finished = await warm.wait(fillTimeoutMs(replicas), `${replicas} warm members of ReserveSet ${namespace}/${name}; see ${operator.logFile}`);
    const requests = difference(await apiserverRequests(api), before);
    const operatorWrites = difference(await operator.writes(), writesBefore);
    const operatorCpuUtilization = (operator.usage().cpuSeconds - cpuBefore) / seconds(finished - started);
    context.log(`pool fill ${replicas}: ReserveSet warm in ${seconds(finished - started).toFixed(1)}s`);
    const events = operatorWrites['create events'] ?? 0;
    delete operatorWrites['create events'];
    return {
      seconds: seconds(finished - started),
      requests,
      controllerWrites: operatorWrites,
      events,
      stages: stageTimes(tracker, started, 'reserves'),
      operatorCpuUtilization,
    };
  } finally {
    tracker.stop();
    // Stopping the operator first removes its webhook configurations, so nothing rejects
    // the deletions of the namespace.
    await operator?.stop();
    await cleanUp(context, namespace);
  }
}

async function cleanUp(context: BenchContext, namespace: string): Promise<void> {
  context.log(`deleting namespace ${namespace}`);
  if (!(await deleteNamespace(context.api, namespace, NAMESPACE_DELETE_TIMEOUT_MS))) {
    context.log(`namespace ${namespace} is still being deleted after ${NAMESPACE_DELETE_TIMEOUT_MS / 1000}s; the next figures may be disturbed`);
  }
}

/**
 * Splits the fill into steps, timed by the watch events. The first step is the delay from
 * creating the set to creating each member (or Pod). Then follow, for each one, the times to
 * scheduled, which waits for a PVC to be bound, to Ready and, for members, to warm.
 */
function stageTimes(tracker: NamespaceTracker, started: number, created: 'pods' | 'reserves'): Record<string, Summary> {
  const owners = [...tracker[created].values()];
  const pods = created === 'pods' ? owners : owners.map((member) => tracker.latest('pods', member.name));
  const gaps = (from: (index: number) => number | undefined, to: (index: number) => number | undefined) =>
    summarize(owners.flatMap((_, index) => {
      const start = from(index);
      const end = to(index);
      return start === undefined || end === undefined ? [] : [end - start];
    }));
  const stages: Record<string, Summary> = {
    'set created to each creation': gaps(() => started, (index) => owners[index]!.addedAt),
  };
  if (created === 'reserves') stages['member created to Pod created'] = gaps((index) => owners[index]!.addedAt, (index) => pods[index]?.addedAt);
  stages['Pod created to scheduled'] = gaps((index) => pods[index]?.addedAt, (index) => pods[index]?.scheduledAt);
  stages['Pod scheduled to Ready'] = gaps((index) => pods[index]?.scheduledAt, (index) => pods[index]?.readyAt);
  if (created === 'reserves') stages['Pod Ready to member warm'] = gaps((index) => pods[index]?.readyAt, (index) => owners[index]!.warmAt);
  return stages;
}

function pick(counts: RequestCounts, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((key) => counts[key] !== undefined).map((key) => [key, counts[key]!]));
}
