// The local control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok, all on 127.0.0.1, with their state, certificates and logs under .cluster/.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createClusterPki, type ClusterPki } from './pki.js';
import { isRunning, startProcess, stopProcess, type ProcessRecord } from './processes.js';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLUSTER_DIR = process.env.RESERVE_CLUSTER_DIR ?? path.join(REPO_ROOT, '.cluster');
export const KUBECONFIG_PATH = path.join(CLUSTER_DIR, 'kubeconfig');

const STATE_FILE = path.join(CLUSTER_DIR, 'state.json');
const STAGES_FILE = path.join(REPO_ROOT, 'hack', 'cluster', 'kwok-stages.yaml');

/** Fake nodes registered for kwok, spread over zones so placement and spreading can be tested. */
export const FAKE_NODES = [
  { name: 'kwok-node-1', zone: 'zone-a' },
  { name: 'kwok-node-2', zone: 'zone-b' },
  { name: 'kwok-node-3', zone: 'zone-c' },
];
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const DEFAULT_STORAGE_CLASS = 'local-hostpath';

export interface ClusterState {
  binDir: string;
  apiserverUrl: string;
  ports: { etcdClient: number; etcdPeer: number; apiserver: number };
  processes: ProcessRecord[];
}

type Log = (message: string) => void;

const defaultLog: Log = (message) => process.stderr.write(`[cluster] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function clusterFile(name: string): string {
  return path.join(CLUSTER_DIR, name);
}

export function readState(): ClusterState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

function writeState(state: ClusterState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Builds (or reuses) the pinned binaries and returns their directory. */
export async function buildBinaries(log: Log = defaultLog): Promise<string> {
  log('building or reusing the control plane binaries (hack/build-binaries.sh)');
  const child = execFile('bash', [path.join(REPO_ROOT, 'hack', 'build-binaries.sh')], {
    maxBuffer: 16 * 1024 * 1024,
  });
  child.stderr?.pipe(process.stderr);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`hack/build-binaries.sh failed with exit code ${code}; its output is above`);
  const binDir = stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(path.join(binDir, 'kube-apiserver'))) {
    throw new Error(`hack/build-binaries.sh printed ${JSON.stringify(binDir)}, which holds no kube-apiserver`);
  }
  return binDir;
}

function writePki(pki: ClusterPki): void {
  const files: Record<string, string> = {
    'ca.crt': pki.ca.certificatePem,
    'ca.key': pki.ca.privateKeyPem,
    'apiserver.crt': pki.apiserver.certificatePem,
    'apiserver.key': pki.apiserver.privateKeyPem,
    'admin.crt': pki.admin.certificatePem,
    'admin.key': pki.admin.privateKeyPem,
    'sa.key': pki.serviceAccountPrivateKeyPem,
    'sa.pub': pki.serviceAccountPublicKeyPem,
  };
  mkdirSync(clusterFile('pki'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(clusterFile('pki'), name), content, { mode: 0o600 });
  }
}

function kubeconfigYaml(server: string, pki: ClusterPki): string {
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: reserve-local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.ca.certificatePem)}`,
    'users:',
    '- name: reserve-admin',
    '  user:',
    `    client-certificate-data: ${b64(pki.admin.certificatePem)}`,
    `    client-key-data: ${b64(pki.admin.privateKeyPem)}`,
    'contexts:',
    '- name: reserve-local',
    '  context: {cluster: reserve-local, user: reserve-admin}',
    'current-context: reserve-local',
    '',
  ].join('\n');
}

function pkiPath(name: string): string {
  return path.join(clusterFile('pki'), name);
}

/** GETs path on the apiserver with the admin certificate; resolves with the status code, or 0. */
function apiserverGet(url: string, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${urlPath}`,
      {
        ca: readFileSync(pkiPath('ca.crt')),
        cert: readFileSync(pkiPath('admin.crt')),
        key: readFileSync(pkiPath('admin.key')),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitUntil(
  description: string,
  check: () => Promise<boolean>,
  watched: ProcessRecord,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (!isRunning(watched)) {
      throw new Error(`${watched.name} exited while waiting for ${description}; see ${watched.logFile}`);
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${description}; see ${watched.logFile}`);
}

/** Runs kubectl from the pinned binaries against the local cluster. */
export async function clusterKubectl(binDir: string, args: string[], input?: string): Promise<string> {
  const child = execFileAsync(path.join(binDir, 'kubectl'), ['--kubeconfig', KUBECONFIG_PATH, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

function etcdArgs(ports: ClusterState['ports']): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=reserve-local',
    `--data-dir=${clusterFile('etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=reserve-local=${peer}`,
    // Durability is worthless for a throwaway test cluster, and fsync dominates write latency.
    '--unsafe-no-fsync',
    '--quota-backend-bytes=8589934592',
    '--log-level=warn',
  ];
}

function apiserverArgs(ports: ClusterState['ports']): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--tls-cert-file=${pkiPath('apiserver.crt')}`,
    `--tls-private-key-file=${pkiPath('apiserver.key')}`,
    `--client-ca-file=${pkiPath('ca.crt')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc',
    `--service-account-key-file=${pkiPath('sa.pub')}`,
    `--service-account-signing-key-file=${pkiPath('sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    '--enable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    // Nothing runs the node lifecycle controller that would lift the not-ready taint this
    // plugin puts on new nodes; kwok reports the fake nodes Ready on its own.
    '--disable-admission-plugins=TaintNodesByCondition',
    // The only address is loopback, which the endpoint reconciler refuses to publish.
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true',
    '--profiling=false',
  ];
}

function controllerManagerArgs(port: number): string[] {
  const kubeconfig = KUBECONFIG_PATH;
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
    [
      '--controllers=garbage-collector-controller',
      'namespace-controller',
      'replicaset-controller',
      'deployment-controller',
      'statefulset-controller',
      'serviceaccount-controller',
      'serviceaccount-token-controller',
      'persistentvolume-binder-controller',
      'persistentvolume-protection-controller',
      'persistentvolumeclaim-protection-controller',
      'root-ca-certificate-publisher-controller',
      'pod-garbage-collector-controller',
      'disruption-controller',
      'job-controller',
    ].join(','),
    // Provisions hostPath volumes under /tmp for a StorageClass with provisioner
    // kubernetes.io/host-path; Kubernetes documents it for development only.
    '--enable-hostpath-provisioner=true',
    `--service-account-private-key-file=${pkiPath('sa.key')}`,
    `--root-ca-file=${pkiPath('ca.crt')}`,
    // The defaults (20 QPS, burst 30) would make the ReplicaSet baseline of the benchmarks
    // client-throttled; these match the rate the operator is allowed by default.
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ];
}

function schedulerArgs(port: number): string[] {
  return [
    `--kubeconfig=${KUBECONFIG_PATH}`,
    `--authentication-kubeconfig=${KUBECONFIG_PATH}`,
    `--authorization-kubeconfig=${KUBECONFIG_PATH}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
  ];
}

function kwokArgs(): string[] {
  return [
    `--kubeconfig=${KUBECONFIG_PATH}`,
    `--config=${STAGES_FILE}`,
    `--manage-nodes-with-annotation-selector=${FAKE_NODE_ANNOTATION}=fake`,
    '--cidr=10.244.0.0/16',
    '--node-ip=10.0.0.1',
    // Pod and node status patches would otherwise log one line each.
    '--v=WARN',
  ];
}

function bootstrapManifest(): string {
  const nodes = FAKE_NODES.map((node) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: node.name,
        annotations: { [FAKE_NODE_ANNOTATION]: 'fake' },
        labels: {
          'kubernetes.io/hostname': node.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': node.zone,
          type: 'kwok',
        },
      },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '1000' },
        capacity: { cpu: '32', memory: '256Gi', pods: '1000' },
      },
    }),
  );
  const storageClass = JSON.stringify({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: 'kubernetes.io/host-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  return [...nodes, storageClass].join('\n---\n');
}

async function bootstrap(state: ClusterState, log: Log): Promise<void> {
  log('registering fake nodes and the default StorageClass');
  await clusterKubectl(state.binDir, ['apply', '-f', '-'], bootstrapManifest());
  const apiserver = state.processes.find((p) => p.name === 'kube-apiserver')!;
  await waitUntil(
    `${FAKE_NODES.length} Ready nodes`,
    async () => {
      const out = await clusterKubectl(state.binDir, [
        'get',
        'nodes',
        '-o',
        'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
      ]);
      return out.split(' ').filter((s) => s === 'True').length >= FAKE_NODES.length;
    },
    apiserver,
    60_000,
  );
  await waitUntil(
    'the default ServiceAccount',
    async () => {
      try {
        await clusterKubectl(state.binDir, ['get', 'serviceaccount', 'default', '-n', 'default']);
        return true;
      } catch {
        return false;
      }
    },
    apiserver,
    60_000,
  );
}

/** Reports whether every recorded process runs and the apiserver answers /readyz. */
export async function isUp(state = readState()): Promise<boolean> {
  if (!state || state.processes.length < 5) return false;
  if (!state.processes.every(isRunning)) return false;
  return (await apiserverGet(state.apiserverUrl, '/readyz')) === 200;
}

/**
 * Starts the control plane and resolves once it is ready; a no-op when it is already up.
 * Leftovers of a killed run (stale state, processes, etcd data) are cleared first.
 */
export async function up(log: Log = defaultLog): Promise<ClusterState> {
  const existing = readState();
  if (existing && (await isUp(existing))) {
    log(`already up at ${existing.apiserverUrl}; kubeconfig: ${KUBECONFIG_PATH}`);
    return existing;
  }
  await down(() => undefined);
  const binDir = await buildBinaries(log);
  const started = Date.now();
  mkdirSync(CLUSTER_DIR, { recursive: true });
  const pki = createClusterPki();
  writePki(pki);

  const ports = { etcdClient: await freePort(), etcdPeer: await freePort(), apiserver: await freePort() };
  const state: ClusterState = { binDir, apiserverUrl: `https://127.0.0.1:${ports.apiserver}`, ports, processes: [] };
  writeFileSync(KUBECONFIG_PATH, kubeconfigYaml(state.apiserverUrl, pki), { mode: 0o600 });

  const launch = (name: string, args: string[]): ProcessRecord => {
    const record = startProcess(name, path.join(binDir, name), args, clusterFile(`${name}.log`));
    state.processes.push(record);
    // Recorded at once, so that `down` finds the process even if `up` dies before it ends.
    writeState(state);
    return record;
  };

  log('starting etcd');
  const etcd = launch('etcd', etcdArgs(ports));
  await waitUntil('etcd /health', async () => (await httpGet(`http://127.0.0.1:${ports.etcdClient}/health`)) === 200, etcd, 60_000);

  log('starting kube-apiserver');
  const apiserver = launch('kube-apiserver', apiserverArgs(ports));
  await waitUntil('kube-apiserver /readyz', async () => (await apiserverGet(state.apiserverUrl, '/readyz')) === 200, apiserver, 120_000);

  log('starting kube-controller-manager, kube-scheduler and kwok');
  launch('kube-controller-manager', controllerManagerArgs(await freePort()));
  launch('kube-scheduler', schedulerArgs(await freePort()));
  launch('kwok', kwokArgs());

  await bootstrap(state, log);
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${state.apiserverUrl}; kubeconfig: ${KUBECONFIG_PATH}`);
  return state;
}

/**
 * Stops every process `up` started, newest first, and removes the cluster's state, data and
 * credentials. The process logs stay in the cluster directory until the next `up`.
 */
export async function down(log: Log = defaultLog): Promise<void> {
  const state = readState();
  if (state) {
    for (const record of [...state.processes].reverse()) {
      if (isRunning(record)) log(`stopping ${record.name} (pid ${record.pid})`);
      await stopProcess(record);
    }
  }
  if (!existsSync(CLUSTER_DIR)) return;
  for (const entry of readdirSync(CLUSTER_DIR)) {
    if (!entry.endsWith('.log')) rmSync(path.join(CLUSTER_DIR, entry), { recursive: true, force: true });
  }
}
