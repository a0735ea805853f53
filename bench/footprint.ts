// Footprint: the operator's resident memory and CPU time with many Reserves in its cache,
// against the same process idle with none. It also counts the writes that a restart makes
// over a converged state, which should be none. The Reserves are paused and have no volume
// claim templates, so they need no Pods or PVCs, and the figures are those of the caches
// and the reconciles.
import {
  apiserverRequests,
  byVerb,
  operatorLogFile,
  seconds,
  type BenchContext,
  type SuiteResult,
} from './lib/context.js';
import { BENCH_LABEL, createNamespace, deleteNamespace, pausedReserve, reservesPath, runConcurrently, waitForWebhooks } from './lib/objects.js';
import { OperatorProcess, sleep, type OperatorProcessOptions } from './lib/operator-process.js';
import { difference, total } from './lib/prometheus.js';
import type { Measure } from './lib/report.js';
import { NamespaceTracker } from './lib/tracker.js';

const SUITE = 'footprint';
const RUN_LABEL = 'footprint';
const CREATE_CONCURRENCY = 32;
/** Delay after startup before the first sample, so that the garbage of startup is collected first. */
const SETTLE_MS = 5000;
const MIB = 2 ** 20;

interface ProcessFigures {
  /** Wall time from spawning the process until it was ready, in seconds. */
  startupSeconds: number;
  /** CPU time used until it was ready, in seconds. */
  startupCpuSeconds: number;
  /** CPU time used during one resync period after SETTLE_MS, in seconds. */
  windowCpuSeconds: number;
  rssBytes: number;
  /** V8 heap in use at the end of the period, in bytes. */
  heapUsedBytes: number;
  /** reserve_api_writes_total over the process's whole life, keyed `verb resource`. */
  writes: Record<string, number>;
}

export async function runFootprint(context: BenchContext): Promise<SuiteResult> {
  const { api, sizes } = context;
  const namespace = `bench-footprint-${context.runId}`;
  const operatorOptions: OperatorProcessOptions = {
    api,
    namespaces: [namespace],
    registerWebhooks: true,
    resyncSeconds: sizes.footprintResyncSeconds,
    logFile: operatorLogFile('footprint'),
  };
  await createNamespace(api, namespace);
  const tracker = new NamespaceTracker(api, namespace);
  let operator: OperatorProcess | undefined;
  try {
    context.log('footprint: operator with 0 Reserves');
    operator = await OperatorProcess.start(operatorOptions);
    const idle = await measureProcess(operator, sizes.footprintResyncSeconds);
    await waitForWebhooks(api, namespace);

    context.log(`footprint: creating ${sizes.footprintReserves} paused Reserves`);
    await tracker.start();
    const fillCpuBefore = operator.usage().cpuSeconds;
    await createReserves(context, namespace);
    await tracker.waitFor(`${sizes.footprintReserves} Reserves to report phase Paused; see ${operator.logFile}`, 600_000 + sizes.footprintReserves * 100, () =>
      countConverged(tracker) >= sizes.footprintReserves,
    );
    const fillCpuSeconds = operator.usage().cpuSeconds - fillCpuBefore;
    tracker.stop();
    await operator.stop();
    operator = undefined;

    context.log(`footprint: restarting the operator over ${sizes.footprintReserves} converged Reserves`);
    const requestsBefore = await apiserverRequests(api);
    operator = await OperatorProcess.start(operatorOptions);
    const loaded = await measureProcess(operator, sizes.footprintResyncSeconds);
    const restartRequests = difference(await apiserverRequests(api), requestsBefore);

    const count = sizes.footprintReserves;
    const row = (name: string, unit: string, value: number, baseline: number, baselineName: string): Measure => ({
      suite: SUITE,
      name: `${name}, ${count} Reserves`,
      unit,
      value,
      baselineName,
      baseline,
      better: 'lower',
    });
    return {
      measures: [
        row('resident memory', 'MiB', loaded.rssBytes / MIB, idle.rssBytes / MIB, 'same process, 0 Reserves'),
        row('V8 heap used', 'MiB', loaded.heapUsedBytes / MIB, idle.heapUsedBytes / MIB, 'same process, 0 Reserves'),
        row('start to ready', 's', loaded.startupSeconds, idle.startupSeconds, 'start to ready, 0 Reserves'),
        row('CPU time to ready', 's', loaded.startupCpuSeconds, idle.startupCpuSeconds, 'CPU time to ready, 0 Reserves'),
        row(`CPU time per ${sizes.footprintResyncSeconds} s resync period`, 's', loaded.windowCpuSeconds, idle.windowCpuSeconds, 'same period, 0 Reserves'),
        row('writes of a restart and one resync', 'req', total(loaded.writes), total(idle.writes), 'writes of the idle process'),
      ],
      details: {
        idle,
        loaded,
        fillCpuSeconds,
        restartRequestsByVerb: byVerb(restartRequests),
        restartRequests,
      },
    };
  } finally {
    tracker.stop();
    await operator?.stop();
    await deleteNamespace(api, namespace, 900_000);
  }
}

/**
 * Samples a freshly started operator. The startup figures are read at once. After SETTLE_MS
 * follow the CPU time over one resync period, which covers one full resync of every object,
 * and the memory and reserve_api_writes_total at its end.
 */
async function measureProcess(operator: OperatorProcess, resyncSeconds: number): Promise<ProcessFigures> {
  const atReady = operator.usage();
  await sleep(SETTLE_MS);
  const windowStart = operator.usage();
  await sleep(resyncSeconds * 1000);
  const windowEnd = operator.usage();
  return {
    startupSeconds: seconds(operator.startupMs),
    startupCpuSeconds: atReady.cpuSeconds,
    windowCpuSeconds: windowEnd.cpuSeconds - windowStart.cpuSeconds,
    rssBytes: windowEnd.rssBytes,
    heapUsedBytes: await operator.heapUsedBytes(),
    writes: await operator.writes(),
  };
}

async function createReserves(context: BenchContext, namespace: string): Promise<void> {
  const { api, sizes } = context;
  const responses = await runConcurrently(sizes.footprintReserves, CREATE_CONCURRENCY, (index) =>
    api.request('POST', reservesPath(namespace), { body: pausedReserve(`idle-${index}`, RUN_LABEL) }),
  );
  const failed = responses.filter((response) => response.status !== 201);
  if (failed.length > 0) {
    throw new Error(`${failed.length} of ${sizes.footprintReserves} Reserve creations failed; first: HTTP ${failed[0]!.status} ${JSON.stringify(failed[0]!.body).slice(0, 300)}`);
  }
}

/** Counts Reserves of this suite whose status the operator has written for their current generation. */
function countConverged(tracker: NamespaceTracker): number {
  let converged = 0;
  for (const tracked of tracker.reserves.values()) {
    const object = tracked.object;
    if (
      !tracked.deleted &&
      tracked.labels[BENCH_LABEL] === RUN_LABEL &&
      object.status?.phase === 'Paused' &&
      object.status.observedGeneration === object.metadata?.generation
    ) {
      converged++;
    }
  }
  return converged;
}
