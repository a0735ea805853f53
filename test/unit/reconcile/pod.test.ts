import { RESERVE_LABEL } from '../../../src/schema/constants.js';
import { computeTemplateHash } from '../../../src/schema/template-hash.js';
import {
  POD_FAILURES_ANNOTATION,
  TEMPLATE_HASH_ANNOTATION,
  buildPod,
  podFailuresBefore,
  podFinishedTime,
  podIsReady,
  podIsScheduled,
  podIsTerminal,
  podIsTerminating,
  podReadySince,
  podTemplateHash,
  podUnschedulableSince,
} from '../../../src/reconcile/reserve/pod.js';
import {
  T0,
  at,
  pod,
  reserve,
  withAnnotations,
  withContainerFinishedAt,
  withCreationTimestamp,
  withDeletionTimestamp,
  withNode,
  withNotReady,
  withPhase,
  withReady,
  withResumePlacement,
  withStatus,
  withTemplateAffinity,
  withTemplateVolumes,
  withUid,
  withUnschedulable,
  withVolumeClaimTemplates,
} from './builders.js';

const lastNodeTerm = {
  weight: 100,
  preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] },
};

describe('buildPod', () => {
  test('names the Pod and its hostname after the Reserve', () => {
    const built = buildPod(reserve('db'));

    expect(built.metadata!.name).toBe('db');
    expect(built.metadata!.namespace).toBe('default');
    expect(built.spec!.hostname).toBe('db');
  });

  test('is controlled by the Reserve', () => {
    const owner = reserve('db', withUid('uid-123'));

    const built = buildPod(owner);

    expect(built.metadata!.ownerReferences).toEqual([
      {
        apiVersion: 'pool.w-h-a.io/v1alpha1',
        kind: 'Reserve',
        name: 'db',
        uid: 'uid-123',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  test('throws for a Reserve without a UID', () => {
    const owner = reserve('db');
    delete owner.metadata.uid;

    expect(() => buildPod(owner)).toThrow(/uid/);
  });

  test('copies template labels and adds the Reserve label', () => {
    const built = buildPod(reserve('db'));

    expect(built.metadata!.labels).toEqual({ app: 'heavy', [RESERVE_LABEL]: 'db' });
  });

  test('annotates the template hash and failures', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data'), withStatus({ podFailures: 2 }));
    owner.spec.template.metadata!.annotations = { team: 'ml' };

    const built = buildPod(owner);

    expect(built.metadata!.annotations).toEqual({
      team: 'ml',
      [TEMPLATE_HASH_ANNOTATION]: computeTemplateHash(owner.spec.template, owner.spec.volumeClaimTemplates),
      [POD_FAILURES_ANNOTATION]: '2',
    });
  });

  test('template hash changes with the template', () => {
    const first = buildPod(reserve('db'));
    const changed = reserve('db');
    changed.spec.template.spec!.containers[0]!.image = 'example.com/heavy:2';

    const second = buildPod(changed);

    expect(podTemplateHash(second)).not.toBe(podTemplateHash(first));
  });

  test('failures option overrides the status', () => {
    const built = buildPod(reserve('db', withStatus({ podFailures: 2 })), { podFailures: 3 });

    expect(built.metadata!.annotations![POD_FAILURES_ANNOTATION]).toBe('3');
  });

  test('mounts a volume per claim template', () => {
    const built = buildPod(reserve('db', withVolumeClaimTemplates('data', 'cache')));

    expect(built.spec!.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-db' } },
      { name: 'cache', persistentVolumeClaim: { claimName: 'cache-db' } },
    ]);
  });

  test('keeps template volumes of the same name', () => {
    const scratch = { name: 'scratch', emptyDir: {} };
    const ownData = { name: 'data', persistentVolumeClaim: { claimName: 'shared' } };
    const owner = reserve('db', withTemplateVolumes(scratch, ownData), withVolumeClaimTemplates('data', 'cache'));

    const built = buildPod(owner);

    expect(built.spec!.volumes).toEqual([scratch, ownData, { name: 'cache', persistentVolumeClaim: { claimName: 'cache-db' } }]);
  });

  test('no claim templates adds no volumes', () => {
    const built = buildPod(reserve('db'));

    expect(built.spec!.volumes).toBeUndefined();
  });

  test('prefers the last node by default', () => {
    const built = buildPod(reserve('db', withStatus({ lastNodeName: 'node-1' })));

    expect(built.spec!.affinity).toEqual({
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [lastNodeTerm] },
    });
  });

  test('requires the last node under RequireLastNode', () => {
    const built = buildPod(reserve('db', withResumePlacement('RequireLastNode'), withStatus({ lastNodeName: 'node-1' })));

    expect(built.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }],
    });
  });

  test('adds no affinity under None', () => {
    const built = buildPod(reserve('db', withResumePlacement('None'), withStatus({ lastNodeName: 'node-1' })));

    expect(built.spec!.affinity).toBeUndefined();
  });

  test('lastNodeName option overrides the status', () => {
    const built = buildPod(reserve('db', withStatus({ lastNodeName: 'node-1' })), { lastNodeName: 'node-2' });

    const [preferred] = built.spec!.affinity!.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution!;
    expect(preferred!.preference.matchFields![0]!.values).toEqual(['node-2']);
  });

  test('first Pod gets only the template affinity', () => {
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone' }] } };

    const built = buildPod(reserve('db', withTemplateAffinity(affinity)));

    expect(built.spec!.affinity).toEqual(affinity);
  });

  test('does not modify the Reserve', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data'), withStatus({ lastNodeName: 'node-1' }));
    const before = structuredClone(owner);

    buildPod(owner);

    expect(owner).toEqual(before);
  });
});

describe('Pod state', () => {
  test('podIsReady follows the Ready condition', () => {
    expect(podIsReady(pod('p', withReady()))).toBe(true);
    expect(podIsReady(pod('p', withNotReady()))).toBe(false);
    expect(podIsReady(pod('p'))).toBe(false);
  });

  test.each([
    ['Failed', undefined, true],
    ['Succeeded', undefined, true],
    ['Running', 'Evicted', true],
    ['Running', undefined, false],
    ['Pending', undefined, false],
  ])('podIsTerminal of phase %s reason %s is %s', (phase, reason, expected) => {
    expect(podIsTerminal(pod('p', withPhase(phase, reason)))).toBe(expected);
  });

  test('podIsTerminating follows deletionTimestamp', () => {
    const deleted = pod('p', withDeletionTimestamp());
    const nulled = pod('p');
    nulled.metadata!.deletionTimestamp = null as unknown as Date;

    expect(podIsTerminating(deleted)).toBe(true);
    expect(podIsTerminating(pod('p'))).toBe(false);
    expect(podIsTerminating(nulled)).toBe(false);
  });

  test('podIsScheduled by node name or condition', () => {
    const byCondition = pod('p');
    byCondition.status!.conditions = [{ type: 'PodScheduled', status: 'True' }];

    expect(podIsScheduled(pod('p', withNode('node-1')))).toBe(true);
    expect(podIsScheduled(byCondition)).toBe(true);
    expect(podIsScheduled(pod('p'))).toBe(false);
    expect(podIsScheduled(pod('p', withUnschedulable(5)))).toBe(false);
  });

  test('podUnschedulableSince reads the condition time', () => {
    expect(podUnschedulableSince(pod('p', withUnschedulable(30)))).toBe(T0 + 30_000);
    expect(podUnschedulableSince(pod('p'))).toBeUndefined();
    expect(podUnschedulableSince(pod('p', withNode('node-1')))).toBeUndefined();
  });

  test('podUnschedulableSince falls back to creation', () => {
    const unschedulable = pod('p', withCreationTimestamp(12));
    unschedulable.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];

    expect(podUnschedulableSince(unschedulable)).toBe(T0 + 12_000);
  });

  test('other PodScheduled reasons are not unschedulable', () => {
    const gated = pod('p');
    gated.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }];

    expect(podUnschedulableSince(gated)).toBeUndefined();
  });

  test('podReadySince reads Ready time', () => {
    expect(podReadySince(pod('p', withReady(42)))).toBe(T0 + 42_000);
    expect(podReadySince(pod('p', withNotReady()))).toBeUndefined();
  });

  test('podReadySince accepts Date timestamps', () => {
    const ready = pod('p', withReady());
    ready.status!.conditions![0]!.lastTransitionTime = new Date(T0 + 7000);

    expect(podReadySince(ready)).toBe(T0 + 7000);
  });
});

describe('podFinishedTime', () => {
  test('uses the latest container finish', () => {
    const finished = pod('p', withPhase('Failed'), withContainerFinishedAt(20), withContainerFinishedAt(50), withContainerFinishedAt(30));

    expect(podFinishedTime(finished)).toBe(T0 + 50_000);
  });

  test('includes init containers', () => {
    const finished = pod('p', withPhase('Failed'), withContainerFinishedAt(20));
    finished.status!.initContainerStatuses = [
      {
        name: 'init',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 1, finishedAt: at(80) as unknown as Date } },
      },
    ];

    expect(podFinishedTime(finished)).toBe(T0 + 80_000);
  });

  test('falls back to Ready, start, then creation', () => {
    const withReadyChange = pod('p', withPhase('Failed'), withNotReady());
    withReadyChange.status!.conditions![0]!.lastTransitionTime = at(15) as unknown as Date;
    const withStart = pod('p', withPhase('Failed'));
    withStart.status!.startTime = at(9) as unknown as Date;
    const created = pod('p', withPhase('Failed'), withCreationTimestamp(3));

    expect(podFinishedTime(withReadyChange)).toBe(T0 + 15_000);
    expect(podFinishedTime(withStart)).toBe(T0 + 9000);
    expect(podFinishedTime(created)).toBe(T0 + 3000);
  });

  test('is undefined without any time', () => {
    const bare = pod('p');
    delete bare.metadata!.creationTimestamp;

    expect(podFinishedTime(bare)).toBeUndefined();
  });
});

describe('Pod annotations', () => {
  test('podTemplateHash reads the annotation', () => {
    expect(podTemplateHash(pod('p', withAnnotations({ [TEMPLATE_HASH_ANNOTATION]: 'abc' })))).toBe('abc');
    expect(podTemplateHash(pod('p'))).toBeUndefined();
  });

  test.each([
    ['3', 3],
    ['0', 0],
    ['-1', 0],
    ['1.5', 0],
    ['many', 0],
    ['', 0],
  ])('podFailuresBefore of %p is %i', (value, expected) => {
    expect(podFailuresBefore(pod('p', withAnnotations({ [POD_FAILURES_ANNOTATION]: value })))).toBe(expected);
  });

  test('podFailuresBefore without annotation is 0', () => {
    expect(podFailuresBefore(pod('p'))).toBe(0);
  });
});
