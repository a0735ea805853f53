// The Reserve controller against the local control plane: Pods really scheduled and run by
// kwok, PVCs really bound by the hostPath provisioner.
import type { Operator } from '../../src/operator/operator.js';
import { installCrds, useNamespace, waitFor } from './setup/harness.js';
import { Api, FAILURE_ANNOTATION, isPodReady, reserve, withPaused, withPodAnnotation, withRetention } from './setup/objects.js';
import { startOperator } from './setup/operator.js';

const PVC = (name: string) => `model-cache-${name}`;

describe('Reserve controller', () => {
  const namespace = useNamespace('reserve');
  const api = new Api(namespace);
  let operator: Operator;

  beforeAll(async () => {
    await installCrds();
    operator = await startOperator([namespace()], {
      failureBackoff: { initialDelayMs: 1000, maxDelayMs: 2000, stallThreshold: 3 },
    });
  });
  afterAll(async () => {
    await operator?.stop();
  });

  const runningPod = (name: string) =>
    waitFor(
      async () => {
        const pod = await api.pod(name);
        return pod && isPodReady(pod) && !pod.metadata?.deletionTimestamp ? pod : undefined;
      },
      { description: `Pod ${name} to be Ready` },
    );
  const phase = (name: string, expected: string) =>
    waitFor(async () => ((await api.getReserve(name))?.status?.phase === expected ? true : undefined), {
      description: `Reserve ${name} to reach phase ${expected}`,
    });

  test('new Reserve runs with its PVC Bound', async () => {
    await api.createReserve(reserve('alpha'));
    const pod = await runningPod('alpha');
    expect(pod.spec?.hostname).toBe('alpha');
    expect(pod.metadata?.ownerReferences?.[0]?.kind).toBe('Reserve');
    expect(pod.spec?.volumes?.find((v) => v.name === 'model-cache')?.persistentVolumeClaim?.claimName).toBe(PVC('alpha'));

    await phase('alpha', 'Running');
    const pvc = await waitFor(async () => ((await api.pvc(PVC('alpha')))?.status?.phase === 'Bound' ? api.pvc(PVC('alpha')) : undefined), {
      description: 'PVC to be Bound',
    });
    expect(pvc?.status?.phase).toBe('Bound');
    const status = (await api.getReserve('alpha'))?.status;
    expect(status?.nodeName).toBe(pod.spec?.nodeName);
    expect(status?.persistentVolumeClaims).toEqual([PVC('alpha')]);
    expect(status?.firstReadyTime).toBeDefined();
    expect(status?.observedGeneration).toBe((await api.getReserve('alpha'))?.metadata.generation);
  });

  test('pause deletes the Pod and keeps the PVC', async () => {
    const pvcBefore = await api.pvc(PVC('alpha'));
    const nodeBefore = (await api.pod('alpha'))?.spec?.nodeName;
    await api.patchReserve('alpha', { spec: { paused: true } });

    await phase('alpha', 'Paused');
    expect(await api.pod('alpha')).toBeUndefined();
    const pvcAfter = await api.pvc(PVC('alpha'));
    expect(pvcAfter?.metadata?.uid).toBe(pvcBefore?.metadata?.uid);
    const status = (await api.getReserve('alpha'))?.status;
    expect(status?.lastNodeName).toBe(nodeBefore);
    expect(status?.lastPausedTime).toBeDefined();
    const ready = status?.conditions?.find((c) => c.type === 'Paused');
    expect(ready?.status).toBe('True');
  });

  test('resume runs a new Pod on the same PVC near the last node', async () => {
    const pvcBefore = await api.pvc(PVC('alpha'));
    const lastNode = (await api.getReserve('alpha'))?.status?.lastNodeName;
    await api.patchReserve('alpha', { spec: { paused: false } });

    const pod = await runningPod('alpha');
    await phase('alpha', 'Running');
    expect((await api.pvc(PVC('alpha')))?.metadata?.uid).toBe(pvcBefore?.metadata?.uid);
    const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const values = preferred.flatMap((term) => term.preference.matchFields ?? []).flatMap((e) => e.values ?? []);
    expect(values).toContain(lastNode);
    const status = (await api.getReserve('alpha'))?.status;
    expect(status?.lastResumedTime).toBeDefined();
    expect(status?.lastResumeSeconds).toBeGreaterThanOrEqual(0);
  });

  test('quick pause and resume never run two Pods', async () => {
    await api.createReserve(reserve('flip'));
    await runningPod('flip');
    let maxPods = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pods = (await api.podsOf('flip')).filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending');
        maxPods = Math.max(maxPods, pods.length);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (const paused of [true, false, true, false]) {
      await api.patchReserve('flip', { spec: { paused } });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await runningPod('flip');
    await phase('flip', 'Running');
    sampling = false;
    await sampler;
    expect(maxPods).toBe(1);
    expect(await api.podsOf('flip')).toHaveLength(1);
  });

  test('template change keeps the running Pod and marks an update pending', async () => {
    const before = await runningPod('alpha');
    const updated = await api.patchReserve('alpha', {
      spec: { template: { metadata: { labels: { app: 'agent', revision: 'two' } } } },
    });
    const condition = await waitFor(
      async () => {
        const status = (await api.getReserve('alpha'))?.status;
        const pending = status?.conditions?.find((c) => c.type === 'UpdatePending');
        return status?.observedGeneration === updated.metadata.generation && pending?.status === 'True' ? pending : undefined;
      },
      { description: 'UpdatePending=True' },
    );
    expect(condition.reason).toBeTruthy();
    expect((await api.pod('alpha'))?.metadata?.uid).toBe(before.metadata?.uid);
  });

  test('failed Pod is recreated on the same PVC', async () => {
    const before = await runningPod('alpha');
    await api.core.patchNamespacedPodStatus(
      { name: 'alpha', namespace: namespace(), body: { status: { phase: 'Failed', reason: 'Evicted', message: 'test eviction' } } },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const replacement = await waitFor(
      async () => {
        const pod = await api.pod('alpha');
        return pod && pod.metadata?.uid !== before.metadata?.uid && isPodReady(pod) ? pod : undefined;
      },
      { description: 'a new Ready Pod alpha', timeoutMs: 30_000 },
    );
    expect(replacement.spec?.volumes?.find((v) => v.name === 'model-cache')?.persistentVolumeClaim?.claimName).toBe(PVC('alpha'));
  });

  test('Pods that keep failing stall the Reserve', async () => {
    await api.createReserve(reserve('crashing', withPodAnnotation(FAILURE_ANNOTATION, 'true')));
    const stalled = await waitFor(
      async () => (await api.getReserve('crashing'))?.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True'),
      { description: 'Stalled=True on Reserve crashing', timeoutMs: 60_000 },
    );
    expect(stalled.reason).toBe('PodFailedRepeatedly');
    expect((await api.getReserve('crashing'))?.status?.phase).toBe('Failed');
  });

  test('Pod rejected by the apiserver stalls the Reserve', async () => {
    const invalid = reserve('rejected');
    invalid.spec.template.spec.containers[0]!.resources = { requests: { cpu: 'lots' } };
    await api.createReserve(invalid);

    const stalled = await waitFor(
      async () => (await api.getReserve('rejected'))?.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True'),
      { description: 'Stalled=True on Reserve rejected' },
    );
    expect(stalled.reason).toBe('InvalidPodTemplate');
    expect(stalled.message).toContain('quantities must match the regular expression');
    expect(await api.pod('rejected')).toBeUndefined();
  });

  test('existing PVC of another owner is never adopted', async () => {
    await api.core.createNamespacedPersistentVolumeClaim({
      namespace: namespace(),
      body: {
        metadata: { name: PVC('squatted') },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    });
    await api.createReserve(reserve('squatted'));
    const stalled = await waitFor(
      async () => (await api.getReserve('squatted'))?.status?.conditions?.find((c) => c.type === 'Stalled' && c.status === 'True'),
      { description: 'Stalled=True on Reserve squatted' },
    );
    expect(stalled.reason).toBe('ForeignPersistentVolumeClaim');
    expect(stalled.message).toContain(PVC('squatted'));
    expect(await api.pod('squatted')).toBeUndefined();
    const pvc = await api.pvc(PVC('squatted'));
    expect(pvc?.metadata?.ownerReferences ?? []).toHaveLength(0);
  });

  test.each([
    ['Delete', false],
    ['Retain', true],
  ] as const)('deletion under whenDeleted %s keeps PVC: %s', async (policy, kept) => {
    const name = `gone-${policy.toLowerCase()}`;
    await api.createReserve(reserve(name, withRetention(policy)));
    await runningPod(name);
    await api.deleteReserve(name);
    await waitFor(async () => ((await api.pod(name)) === undefined ? true : undefined), { description: `Pod ${name} to be deleted` });
    if (kept) {
      // Give the garbage collector the time it would need to (wrongly) delete the PVC.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await api.pvc(PVC(name)))?.metadata?.deletionTimestamp).toBeUndefined();
    } else {
      await waitFor(async () => ((await api.pvc(PVC(name))) === undefined ? true : undefined), {
        description: `PVC ${PVC(name)} to be deleted`,
      });
    }
  });

  test('operator restarted mid-pause converges', async () => {
    await api.createReserve(reserve('restart', withPaused(false)));
    await runningPod('restart');
    await operator.stop();
    await api.patchReserve('restart', { spec: { paused: true } });
    operator = await startOperator([namespace()]);
    await phase('restart', 'Paused');
    expect(await api.pod('restart')).toBeUndefined();
  });
});
