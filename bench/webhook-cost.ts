// Webhook cost, in two parts:
// 1. The admission server alone (createWebhookServer in a child process, on 127.0.0.1)
//    under concurrent load with AdmissionReviews of a Reserve create and of a claim. The
//    baseline is a bare node:https server that returns a fixed allowed review to every
//    request, on the same machine and with the same certificate.
// 2. Creating Reserves through the apiserver with the operator's webhooks registered,
//    against the same creations with no webhook registered.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { REPO_ROOT } from '../hack/cluster/cluster.js';
import { generateLocalCertificates } from '../src/webhook/index.js';
import { operatorLogFile, seconds, type BenchContext, type SuiteResult } from './lib/context.js';
import { postOnce, runLoad, type LoadResult } from './lib/load.js';
import { BENCH_LABEL, createNamespace, deleteNamespace, pausedReserve, reservesPath, runConcurrently, waitForWebhooks, waitUntil } from './lib/objects.js';
import { OperatorProcess } from './lib/operator-process.js';
import type { Measure } from './lib/report.js';
import { claimReview, reserveCreateReview } from './lib/reviews.js';
import { summarize, type Summary } from './lib/stats.js';

const SUITE = 'webhook';
const SERVER_START_TIMEOUT_MS = 60_000;

interface ReviewCase {
  name: string;
  path: '/mutate' | '/validate';
  build: () => unknown;
  /** Whether reserve's response carries a JSON patch. */
  patches: boolean;
}

const CASES: ReviewCase[] = [
  { name: 'Reserve create /mutate', path: '/mutate', build: () => reserveCreateReview(false), patches: true },
  { name: 'Reserve create /validate', path: '/validate', build: () => reserveCreateReview(true), patches: false },
  { name: 'claim /mutate', path: '/mutate', build: () => claimReview(false), patches: true },
  { name: 'claim /validate', path: '/validate', build: () => claimReview(true), patches: false },
];

interface CreateResult {
  seconds: number;
  latency: Summary;
  failures: string[];
}

export async function runWebhookCost(context: BenchContext): Promise<SuiteResult> {
  const servers = await measureServers(context);
  const creates = await measureCreates(context);
  return { measures: [...servers.measures, ...creates.measures], details: { servers: servers.details, creates: creates.details } };
}

async function measureServers(context: BenchContext): Promise<SuiteResult> {
  const { sizes } = context;
  const certDir = await mkdtemp(path.join(tmpdir(), 'reserve-bench-webhook-'));
  try {
    const { caCert } = await generateLocalCertificates(certDir);
    const results: Record<string, Record<string, LoadResult>> = { reserve: {}, bare: {} };
    for (const mode of ['reserve', 'bare'] as const) {
      const { child, port } = await startServer(mode, certDir);
      try {
        for (const reviewCase of CASES) {
          const url = `https://127.0.0.1:${port}${reviewCase.path}`;
          // Built right before the load: a claim record is accepted for 60 s.
          const body = JSON.stringify(reviewCase.build());
          if (mode === 'reserve') await checkAnswer(url, body, caCert, reviewCase);
          context.log(`webhook: ${mode} server, ${reviewCase.name}, ${sizes.webhookConcurrency} clients for ${sizes.webhookDurationMs / 1000}s`);
          const result = await runLoad({ url, body, ca: caCert, concurrency: sizes.webhookConcurrency, durationMs: sizes.webhookDurationMs });
          if (result.errors > 0) throw new Error(`${result.errors} of ${result.requests} requests to the ${mode} server failed: ${result.firstError}`);
          results[mode]![reviewCase.name] = result;
        }
      } finally {
        await stopServer(child);
      }
    }
    const measures = CASES.flatMap((reviewCase): Measure[] => {
      const reserve = results.reserve![reviewCase.name]!;
      const bare = results.bare![reviewCase.name]!;
      const row = (label: string, unit: string, value: number, baseline: number, better: Measure['better']): Measure => ({
        suite: SUITE,
        name: `${reviewCase.name} ${label}`,
        unit,
        value,
        baselineName: `bare https server ${label}`,
        baseline,
        better,
      });
      return [
        row('p50', 'ms', reserve.latency.p50, bare.latency.p50, 'lower'),
        row('p99', 'ms', reserve.latency.p99, bare.latency.p99, 'lower'),
        row('throughput', 'req/s', reserve.requestsPerSecond, bare.requestsPerSecond, 'higher'),
      ];
    });
    return { measures, details: results };
  } finally {
    await rm(certDir, { recursive: true, force: true });
  }
}

/** Creates Reserves with no webhook registered, then again with the operator's webhooks. */
async function measureCreates(context: BenchContext): Promise<SuiteResult> {
  const { api, sizes } = context;
  const namespace = `bench-webhook-${context.runId}`;
  await createNamespace(api, namespace);
  let operator: OperatorProcess | undefined;
  try {
    const without = await createReserves(context, namespace, 'plain');
    await api.ok('DELETE', `${reservesPath(namespace)}?labelSelector=${encodeURIComponent(`${BENCH_LABEL}=plain`)}`);
    await waitUntil('the Reserves created without webhooks to be deleted', 300_000, async () => {
      const list = await api.ok<{ items: unknown[] }>('GET', `${reservesPath(namespace)}?limit=1`);
      return list.items.length === 0;
    });

    // The controllers watch a namespace that does not exist, so they write nothing while
    // the webhooks, which serve every namespace, admit the creations.
    operator = await OperatorProcess.start({
      api,
      namespaces: [`bench-unwatched-${context.runId}`],
      registerWebhooks: true,
      logFile: operatorLogFile('webhook'),
    });
    await waitForWebhooks(api, namespace);
    const admitted = await createReserves(context, namespace, 'admitted');

    const label = `${sizes.createCount} Reserves`;
    const row = (name: string, unit: string, value: number, baseline: number): Measure => ({
      suite: SUITE,
      name: `create ${label} ${name}, webhooks`,
      unit,
      value,
      baselineName: `no webhooks ${name}`,
      baseline,
      better: 'lower',
    });
    return {
      measures: [
        row('total', 's', admitted.seconds, without.seconds),
        row('p50', 'ms', admitted.latency.p50, without.latency.p50),
        row('p99', 'ms', admitted.latency.p99, without.latency.p99),
      ],
      details: { withWebhooks: admitted, withoutWebhooks: without },
    };
  } finally {
    await operator?.stop();
    await deleteNamespace(api, namespace, 600_000);
  }
}

async function createReserves(context: BenchContext, namespace: string, runLabel: string): Promise<CreateResult> {
  const { api, sizes } = context;
  context.log(`webhook: creating ${sizes.createCount} Reserves (${runLabel}), ${sizes.createConcurrency} at a time`);
  const started = performance.now();
  const responses = await runConcurrently(sizes.createCount, sizes.createConcurrency, (index) =>
    api.request('POST', reservesPath(namespace), { body: pausedReserve(`${runLabel}-${index}`, runLabel) }),
  );
  const elapsed = performance.now() - started;
  const failures = responses.filter((response) => response.status !== 201).map((response) => `HTTP ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
  if (failures.length > 0) throw new Error(`${failures.length} of ${sizes.createCount} Reserve creations failed; first: ${failures[0]}`);
  return { seconds: seconds(elapsed), latency: summarize(responses.map((response) => response.durationMs)), failures };
}

/** Sends one review and checks that reserve allows it as expected, so that the load test measures the intended path. */
async function checkAnswer(url: string, body: string, ca: string, reviewCase: ReviewCase): Promise<void> {
  const { status, body: review } = await postOnce({ url, body, ca });
  const response = (review as { response?: { allowed?: boolean; patch?: string; status?: { message?: string } } }).response;
  if (status !== 200 || response?.allowed !== true) {
    throw new Error(`${reviewCase.name} was not allowed (HTTP ${status}): ${response?.status?.message ?? JSON.stringify(review)}`);
  }
  if (reviewCase.patches && !response.patch) throw new Error(`${reviewCase.name} returned no patch`);
}

async function startServer(mode: 'reserve' | 'bare', certDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'webhook-server.ts'), mode, certDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${mode} webhook server did not start within ${SERVER_START_TIMEOUT_MS / 1000}s`)), SERVER_START_TIMEOUT_MS);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${mode} webhook server exited with code ${code}`));
    });
  });
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
