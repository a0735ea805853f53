// Runs the operator as a child process, so that its timings and its memory and CPU figures
// are its own and not shared with the benchmark driver's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { KUBECONFIG_PATH, REPO_ROOT } from '../../hack/cluster/cluster.js';
import { generateLocalCertificates } from '../../src/webhook/index.js';
import type { ApiServer } from './apiserver.js';
import { samplesOf, sumBy } from './prometheus.js';

export interface OperatorProcessOptions {
  /** Namespaces the controllers watch; the webhooks serve every namespace regardless. */
  namespaces: string[];
  /** Register the webhook configurations at startup and remove them at shutdown. */
  registerWebhooks: boolean;
  logFile: string;
  /** --resync-period in seconds; the operator's default applies when unset. */
  resyncSeconds?: number;
  /** Removes the webhook configurations if the operator had to be killed before it did. */
  api: ApiServer;
}

export interface ResourceUsage {
  /** Resident set size (VmRSS), in bytes. */
  rssBytes: number;
  /** User plus system CPU time since the process started, in seconds. */
  cpuSeconds: number;
}

/** The identity of the kubeconfig's admin certificate, which the operator runs as. */
export const OPERATOR_USERNAME = 'reserve-admin';
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const WEBHOOK_CONFIGURATION_NAME = 'reserve';
// Clock ticks per second of the utime and stime fields in /proc/<pid>/stat (sysconf
// _SC_CLK_TCK). It is 100 on every common Linux architecture; `getconf CLK_TCK` prints it.
const CLOCK_TICKS_PER_SECOND = 100;

export class OperatorProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly options: OperatorProcessOptions,
    readonly healthPort: number,
    readonly logFile: string,
    private readonly certDir: string,
    /** Milliseconds from spawning the process until it was ready (see start). */
    readonly startupMs: number,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * Starts `node --import tsx src/operator/main.ts` and resolves once the operator logged
   * "operator started" (webhooks registered, caches synced, workers running) and /readyz
   * returns 200. The tsx loader runs in the same process (the tsx command would start a
   * second one), so the pid is the operator's own.
   */
  static async start(options: OperatorProcessOptions): Promise<OperatorProcess> {
    const certDir = await mkdtemp(path.join(tmpdir(), 'reserve-bench-certs-'));
    // Generated here rather than with --generate-certificates, so that the RSA key
    // generation, whose time varies from run to run, stays out of the operator's figures.
    await generateLocalCertificates(certDir);
    const healthPort = await freePort();
    const args = [
      '--import',
      'tsx',
      'src/operator/main.ts',
      `--kubeconfig=${KUBECONFIG_PATH}`,
      '--leader-elect=false',
      `--operator-username=${OPERATOR_USERNAME}`,
      `--namespaces=${options.namespaces.join(',')}`,
      `--cert-dir=${certDir}`,
      '--webhook-host=127.0.0.1',
      `--webhook-port=${await freePort()}`,
      `--register-webhooks=${options.registerWebhooks}`,
      '--health-host=127.0.0.1',
      `--health-port=${healthPort}`,
      '--operator-namespace=reserve-system',
      // Info, because the startup waits for the "operator started" line.
      '--log-level=info',
    ];
    if (options.resyncSeconds !== undefined) args.push(`--resync-period=${options.resyncSeconds}`);
    const log = openSync(options.logFile, 'a');
    const logOffset = fstatSync(log).size;
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', log, log] });
    closeSync(log);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        await rm(certDir, { recursive: true, force: true });
        throw new Error(`the operator exited with ${child.exitCode ?? child.signalCode} before it was ready; see ${options.logFile}`);
      }
      // NOTE: /readyz alone is not enough, because the operator returns 200 from the moment
      // its health server listens, before it starts the webhook server and the controllers.
      if (hasLogged(options.logFile, logOffset, 'operator started') && (await isReady(healthPort))) {
        return new OperatorProcess(child, options, healthPort, options.logFile, certDir, performance.now() - started);
      }
      await sleep(50);
    }
    child.kill('SIGKILL');
    await rm(certDir, { recursive: true, force: true });
    throw new Error(`the operator was not ready within ${READY_TIMEOUT_MS / 1000}s; see ${options.logFile}`);
  }

  /** Reads VmRSS from /proc/<pid>/status and utime + stime from /proc/<pid>/stat. */
  usage(): ResourceUsage {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces:
    // state is field 3, utime field 14 and stime field 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (!Number.isFinite(rssKiB) || !Number.isFinite(ticks)) throw new Error(`cannot read the usage of pid ${this.pid} from /proc`);
    return { rssBytes: rssKiB * 1024, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
  }

  /** Returns reserve_api_writes_total from the operator's /metrics, keyed `verb resource`. */
  async writes(): Promise<Record<string, number>> {
    const samples = samplesOf(await this.metrics(), 'reserve_api_writes_total').map((sample) => ({
      ...sample,
      labels: { key: `${sample.labels.verb} ${sample.labels.resource}` },
    }));
    return sumBy(samples, 'key');
  }

  /** Returns the V8 heap in use (prom-client's nodejs_heap_size_used_bytes), in bytes. */
  async heapUsedBytes(): Promise<number> {
    return samplesOf(await this.metrics(), 'nodejs_heap_size_used_bytes')[0]?.value ?? Number.NaN;
  }

  private async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.healthPort}/metrics`);
    if (!response.ok) throw new Error(`GET /metrics of the operator failed with HTTP ${response.status}`);
    return response.text();
  }

  /**
   * Sends SIGTERM, so the operator removes its webhook configurations, and waits for the
   * exit. A process still running after STOP_TIMEOUT_MS is killed, and configurations it
   * left behind are deleted.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      // A clean shutdown takes well under a second. The kill keeps a stuck one from
      // stalling the benchmark, and the configurations are removed below in that case.
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.certDir, { recursive: true, force: true });
    if (this.options.registerWebhooks) await deleteWebhookConfigurations(this.options.api);
  }
}

/** Deletes the webhook configurations named reserve; missing ones are fine. */
export async function deleteWebhookConfigurations(api: ApiServer): Promise<void> {
  for (const kind of ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']) {
    const response = await api.request('DELETE', `/apis/admissionregistration.k8s.io/v1/${kind}/${WEBHOOK_CONFIGURATION_NAME}`);
    if (response.status !== 200 && response.status !== 404) {
      throw new Error(`deleting ${kind} ${WEBHOOK_CONFIGURATION_NAME} failed with HTTP ${response.status}`);
    }
  }
}

/** Returns whether the pino JSON log has a line with message `message` after byte `offset`. */
function hasLogged(logFile: string, offset: number, message: string): boolean {
  const file = openSync(logFile, 'r');
  try {
    const size = fstatSync(file).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    readSync(file, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8').includes(`"msg":${JSON.stringify(message)}`);
  } finally {
    closeSync(file);
  }
}

async function isReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
