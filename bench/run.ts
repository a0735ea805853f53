// The benchmark: `npm run bench [-- --quick] [-- --only=suite,...]`. Measures reserve on the
// local control plane, each figure beside a baseline measured in the same run, prints a
// table and writes bench/results/<date>.json. Starts the local cluster when it is not up
// (and stops it again at the end), and deletes every namespace it creates.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { CLUSTER_DIR, clusterKubectl, down, isUp, KUBECONFIG_PATH, readState, REPO_ROOT, up } from '../hack/cluster/cluster.js';
import { runClaimLatency } from './claim-latency.js';
import { runFootprint } from './footprint.js';
import { ApiServer } from './lib/apiserver.js';
import { FULL_SIZES, QUICK_SIZES, type BenchContext, type SuiteResult } from './lib/context.js';
import { BENCH_LABEL, deleteNamespace } from './lib/objects.js';
import { describeMachine, describeSource, formatTable, writeReport, type BenchReport } from './lib/report.js';
import { runPoolFill } from './pool-fill.js';
import { runWebhookCost } from './webhook-cost.js';

const SUITES: Record<string, (context: BenchContext) => Promise<SuiteResult>> = {
  'pool-fill': runPoolFill,
  'claim-latency': runClaimLatency,
  webhook: runWebhookCost,
  footprint: runFootprint,
};

const USAGE = `Usage: npm run bench -- [--quick] [--only=SUITE,...] [--keep-cluster]

  --quick          small sizes (pools of 20, 100 Reserves, 2 s load tests) for development
  --only           comma-separated suites to run: ${Object.keys(SUITES).join(', ')} (default: all)
  --keep-cluster   leave the local cluster running if the benchmark started it

Uses the cluster in $RESERVE_CLUSTER_DIR, or .cluster/ when unset.`;

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'keep-cluster': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const suites = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SUITES);
  const unknown = suites.filter((name) => !(name in SUITES));
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(', ')} in --only: use ${Object.keys(SUITES).join(', ')}`);
  return { quick: values.quick, suites, keepCluster: values['keep-cluster'], help: values.help };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const startedAt = new Date();
  const wasUp = await isUp();
  log(`cluster directory ${CLUSTER_DIR}${wasUp ? '' : ' (starting the cluster)'}`);
  await up(log);
  const api = await ApiServer.fromKubeconfig(KUBECONFIG_PATH);
  const stopCluster = async () => {
    api.close();
    if (!wasUp && !options.keepCluster) await down(log);
  };

  try {
    await checkPreconditions(api);
    const version = await api.ok<{ gitVersion: string }>('GET', '/version');
    const machine = describeMachine(version.gitVersion);
    log(`load average at start: ${machine.loadAverageAtStart.join(' ')} on ${machine.cpuCount} CPUs`);
    const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
    const context: BenchContext = { api, sizes, runId: randomBytes(3).toString('hex'), log };

    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      source: describeSource(),
      machine,
      sizes,
      measures: [],
      details: {},
      failures: {},
    };
    for (const suite of options.suites) {
      log(`suite ${suite}`);
      try {
        const result = await SUITES[suite]!(context);
        report.measures.push(...result.measures);
        report.details[suite] = result.details;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report.failures[suite] = message;
        log(`suite ${suite} failed: ${message}`);
      } finally {
        await deleteLeftoverNamespaces(api);
      }
    }
    report.finishedAt = new Date().toISOString();
    const file = writeReport(report);
    process.stdout.write(`${formatTable(report.measures)}\n\nresults: ${file.slice(REPO_ROOT.length + 1)}\n`);
    if (Object.keys(report.failures).length > 0) {
      process.stdout.write(`failed suites: ${Object.entries(report.failures).map(([suite, message]) => `${suite} (${message})`).join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    await stopCluster();
  }
}

/**
 * Installs the CRDs and checks that no webhook configuration of reserve is registered: one
 * left by another operator (or a killed run) would point at a server this run does not own.
 */
async function checkPreconditions(api: ApiServer): Promise<void> {
  const state = readState();
  if (!state) throw new Error(`the cluster in ${CLUSTER_DIR} has no state file; run npx tsx hack/cluster.ts up`);
  await clusterKubectl(state.binDir, ['apply', '--server-side', '--force-conflicts', '-f', `${REPO_ROOT}/manifests/crds`]);
  await clusterKubectl(state.binDir, ['wait', '--for=condition=Established', '--timeout=60s', '-f', `${REPO_ROOT}/manifests/crds`]);
  for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    if (await api.get(`/apis/admissionregistration.k8s.io/v1/${kind}/reserve`)) {
      throw new Error(
        `${kind} "reserve" exists: an operator with --register-webhooks is running against this cluster, or one was killed. ` +
          `Stop it, or delete the configuration with kubectl delete ${kind} reserve, and run the benchmark again`,
      );
    }
  }
}

/** Deletes namespaces of this or an earlier run that a failed suite left behind. */
async function deleteLeftoverNamespaces(api: ApiServer): Promise<void> {
  const list = await api.ok<{ items: { metadata: { name: string; deletionTimestamp?: string } }[] }>(
    'GET',
    `/api/v1/namespaces?labelSelector=${encodeURIComponent(`${BENCH_LABEL}=true`)}`,
  );
  for (const namespace of list.items) {
    log(`deleting leftover namespace ${namespace.metadata.name}`);
    await deleteNamespace(api, namespace.metadata.name, 600_000);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
