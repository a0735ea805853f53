// The local control plane behaves like a real cluster in the ways reserve relies on.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import * as k8s from '@kubernetes/client-node';

import { FAKE_NODES } from '../../hack/cluster/cluster.js';
import type { ClusterState } from '../../hack/cluster/cluster.js';
import { kubeConfig, REPO_ROOT, useNamespace, waitFor } from './setup/harness.js';

const execFileAsync = promisify(execFile);

describe('local control plane', () => {
  const namespace = useNamespace('control-plane');
  const config = kubeConfig();
  const core = config.makeApiClient(k8s.CoreV1Api);
  const apps = config.makeApiClient(k8s.AppsV1Api);

  test('fake nodes carry hostname, zone and allocatable resources', async () => {
    const nodes = await core.listNode();
    for (const expected of FAKE_NODES) {
      const node = nodes.items.find((n) => n.metadata?.name === expected.name);
      expect(node?.metadata?.labels?.['kubernetes.io/hostname']).toBe(expected.name);
      expect(node?.metadata?.labels?.['topology.kubernetes.io/zone']).toBe(expected.zone);
      expect(node?.status?.allocatable?.cpu).toBe('32');
      const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
      expect(ready?.status).toBe('True');
    }
  });

  test('deployment pods become Running and Ready', async () => {
    await apps.createNamespacedDeployment({
      namespace: namespace(),
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const pods = await waitFor(
      async () => {
        const list = await core.listNamespacedPod({ namespace: namespace(), labelSelector: 'app=web' });
        const ready = list.items.filter(
          (pod) => pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 3 ? ready : undefined;
      },
      { description: '3 Ready pods of deployment web' },
    );
    const fakeNodeNames = FAKE_NODES.map((node) => node.name);
    for (const pod of pods) expect(fakeNodeNames).toContain(pod.spec?.nodeName);
  });

  test('claim of the default StorageClass becomes Bound', async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: namespace(),
      body: {
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    const phase = await waitFor(
      async () => {
        const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace: namespace() });
        return pvc.status?.phase === 'Bound' ? pvc.status.phase : undefined;
      },
      { description: 'PVC data to be Bound' },
    );
    expect(phase).toBe('Bound');
  });

  test('deleting an owner garbage collects its dependents', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace: namespace(), body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace: namespace(),
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: namespace() });
    const gone = await waitFor(
      () =>
        core
          .readNamespacedConfigMap({ name: 'dependent', namespace: namespace() })
          .then(() => false)
          .catch((error: unknown) => (error as { code?: number }).code === 404),
      { description: 'ConfigMap dependent to be garbage collected' },
    );
    expect(gone).toBe(true);
  });

  test('deleted pod disappears after its grace period', async () => {
    await core.createNamespacedPod({
      namespace: namespace(),
      body: { metadata: { name: 'graceful' }, spec: { containers: [{ name: 'main', image: 'busybox:1' }] } },
    });
    await waitFor(
      async () => (await core.readNamespacedPod({ name: 'graceful', namespace: namespace() })).status?.phase === 'Running',
      { description: 'pod graceful to run' },
    );
    const deletedAt = Date.now();
    await core.deleteNamespacedPod({ name: 'graceful', namespace: namespace(), gracePeriodSeconds: 3 });
    const stillThere = await core.readNamespacedPod({ name: 'graceful', namespace: namespace() });
    expect(stillThere.metadata?.deletionTimestamp).toBeDefined();
    await waitFor(
      () =>
        core
          .readNamespacedPod({ name: 'graceful', namespace: namespace() })
          .then(() => false)
          .catch((error: unknown) => (error as { code?: number }).code === 404),
      { description: 'pod graceful to disappear', timeoutMs: 20_000 },
    );
    // Timestamps have second precision, so the pod may go up to a second early.
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(2000);
  });
});

describe('cluster lifecycle commands', () => {
  const clusterDir = mkdtempSync(path.join(tmpdir(), 'reserve-cluster-'));
  const run = (command: string) =>
    execFileAsync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['hack/cluster.ts', command], {
      cwd: REPO_ROOT,
      env: { ...process.env, RESERVE_CLUSTER_DIR: clusterDir },
    });
  const readPids = (): number[] =>
    (JSON.parse(readFileSync(path.join(clusterDir, 'state.json'), 'utf8')) as ClusterState).processes.map((p) => p.pid);
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

  afterAll(async () => {
    await run('down').catch(() => undefined);
    rmSync(clusterDir, { recursive: true, force: true });
  });

  test('up twice is a no-op and down stops everything', async () => {
    await run('up');
    const first = readPids();
    expect(first).toHaveLength(5);

    const second = await run('up');
    expect(second.stderr).toContain('already up');
    expect(readPids()).toEqual(first);

    await run('down');
    for (const pid of first) expect(alive(pid)).toBe(false);
    expect(existsSync(path.join(clusterDir, 'state.json'))).toBe(false);
  }, 180_000);

  test('up recovers from a stale state of a killed run', async () => {
    await run('up');
    const killed = readPids();
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    await waitFor(() => killed.every((pid) => !alive(pid)), { description: 'killed processes to exit' });

    await run('up');
    const restarted = readPids();
    for (const pid of restarted) expect(alive(pid)).toBe(true);
    await run('down');
  }, 180_000);
});
