import type { V1Pod } from '@kubernetes/client-node';
import { TEMPLATE_HASH_ANNOTATION, POD_FAILURES_ANNOTATION } from '../../../src/reconcile/reserve/pod.js';
import {
  ConditionType,
  DEFAULT_UNSCHEDULABLE_STALL_MS,
  ProgressReason,
  type ReserveStatusInput,
  StallReason,
  calculateReserveStatus,
  statusEqual,
} from '../../../src/reconcile/reserve/status.js';
import { computeTemplateHash } from '../../../src/schema/template-hash.js';
import type { Condition, Reserve, ReserveStatus } from '../../../src/schema/types.js';
import {
  T0,
  at,
  pod,
  podOf,
  pvc,
  reserve,
  withAnnotations,
  withCondition,
  withControllerOf,
  withCreationTimestamp,
  withDeletionTimestamp,
  withGeneration,
  withImage,
  withNode,
  withPaused,
  withPhase,
  withReady,
  withStatus,
  withUid,
  withUnschedulable,
  withVolumeClaimTemplates,
} from './builders.js';

/** Time of every calculation unless a test passes another: T0 + 100 s. */
const NOW = T0 + 100_000;

type Input = Partial<Omit<ReserveStatusInput, 'reserve'>>;

function statusOf(owner: Reserve, input: Input = {}): ReserveStatus {
  return calculateReserveStatus({ reserve: owner, pvcs: [], foreignPvcs: [], now: NOW, ...input });
}

/** Calculates the status again from an owner whose stored status is the given one. */
function recalculate(owner: Reserve, stored: ReserveStatus, input: Input = {}): ReserveStatus {
  return statusOf({ ...owner, status: stored }, input);
}

function conditionOf(status: ReserveStatus, type: string): Condition {
  const found = status.conditions?.find((condition) => condition.type === type);
  if (found === undefined) {
    throw new Error(`status has no ${type} condition: ${JSON.stringify(status.conditions)}`);
  }
  return found;
}

function summary(status: ReserveStatus, type: string): [string, string] {
  const condition = conditionOf(status, type);
  return [condition.status, condition.reason];
}

const runningPod = (owner: Reserve): V1Pod => podOf(owner, withNode('node-1'), withReady(30));
const failedPod = (owner: Reserve, failuresBefore: number): V1Pod =>
  podOf(owner, withNode('node-1'), withPhase('Failed'), withAnnotations({ [POD_FAILURES_ANNOTATION]: String(failuresBefore) }));

describe('Reserve phase', () => {
  const owner = reserve('db');
  const paused = reserve('db', withPaused(true));

  test.each([
    { name: 'no Pod', reserve: owner, pod: undefined, phase: 'Pending' },
    { name: 'unscheduled Pod', reserve: owner, pod: podOf(owner), phase: 'Pending' },
    { name: 'scheduled Pod', reserve: owner, pod: podOf(owner, withNode('node-1'), withPhase('Running')), phase: 'Starting' },
    { name: 'Ready Pod', reserve: owner, pod: runningPod(owner), phase: 'Running' },
    {
      name: 'terminating Pod',
      reserve: owner,
      pod: podOf(owner, withNode('node-1'), withReady(), withDeletionTimestamp()),
      phase: 'Pending',
    },
    { name: 'failed Pod', reserve: owner, pod: failedPod(owner, 0), phase: 'Pending' },
    { name: 'paused with a Pod', reserve: paused, pod: runningPod(paused), phase: 'Pausing' },
    { name: 'paused without a Pod', reserve: paused, pod: undefined, phase: 'Paused' },
  ])('$name is $phase', ({ reserve: subject, pod: observed, phase }) => {
    expect(statusOf(subject, { pod: observed }).phase).toBe(phase);
  });

  test('repeated failures are Failed', () => {
    expect(statusOf(owner, { pod: failedPod(owner, 4) }).phase).toBe('Failed');
  });

  test('Failed stays until a Pod is Ready', () => {
    const stalled = reserve('db', withStatus({ phase: 'Failed', podFailures: 5 }));

    expect(statusOf(stalled, { pod: podOf(stalled, withNode('node-1'), withPhase('Running')) }).phase).toBe('Failed');
    expect(statusOf(stalled, { pod: runningPod(stalled) }).phase).toBe('Running');
  });
});

describe('Reserve conditions', () => {
  test('Running is Ready and settled', () => {
    const owner = reserve('db');

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(summary(status, ConditionType.Ready)).toEqual(['True', 'PodReady']);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['False', 'Reconciled']);
    expect(summary(status, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
    expect(summary(status, ConditionType.Paused)).toEqual(['False', 'NotPaused']);
    expect(summary(status, ConditionType.UpdatePending)).toEqual(['False', 'UpToDate']);
  });

  test('Paused is Ready with reason Paused', () => {
    const status = statusOf(reserve('db', withPaused(true)));

    expect(summary(status, ConditionType.Ready)).toEqual(['True', 'Paused']);
    expect(summary(status, ConditionType.Paused)).toEqual(['True', 'Paused']);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['False', 'Reconciled']);
    expect(summary(status, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
  });

  test('Pausing is reconciling', () => {
    const owner = reserve('db', withPaused(true));

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(summary(status, ConditionType.Ready)).toEqual(['False', ProgressReason.Pausing]);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', ProgressReason.Pausing]);
    expect(summary(status, ConditionType.Paused)).toEqual(['False', 'Pausing']);
  });

  test.each([
    { name: 'no Pod', pod: () => undefined, reason: ProgressReason.CreatingPod },
    { name: 'unscheduled Pod', pod: (owner: Reserve) => podOf(owner), reason: ProgressReason.PodPending },
    { name: 'scheduled Pod', pod: (owner: Reserve) => podOf(owner, withNode('node-1')), reason: ProgressReason.PodStarting },
    {
      name: 'terminating Pod',
      pod: (owner: Reserve) => podOf(owner, withNode('node-1'), withDeletionTimestamp()),
      reason: ProgressReason.PodTerminating,
    },
    { name: 'failed Pod', pod: (owner: Reserve) => failedPod(owner, 0), reason: ProgressReason.PodFailed },
    {
      name: 'unschedulable Pod',
      pod: (owner: Reserve) => podOf(owner, withUnschedulable(90)),
      reason: ProgressReason.PodUnschedulable,
    },
  ])('$name reconciles with $reason', ({ pod: makePod, reason }) => {
    const owner = reserve('db');

    const status = statusOf(owner, { pod: makePod(owner) });

    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', reason]);
    expect(summary(status, ConditionType.Ready)).toEqual(['False', reason]);
    expect(summary(status, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
  });

  test('missing PVCs are waited for', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data', 'cache'));
    const data = pvc('data-db', withControllerOf(owner));

    const status = statusOf(owner, { pvcs: [data] });

    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', ProgressReason.WaitingForPersistentVolumeClaims]);
    expect(conditionOf(status, ConditionType.Reconciling).message).toContain('cache-db');
    expect(conditionOf(status, ConditionType.Reconciling).message).not.toContain('data-db');
  });

  test('PVC being deleted counts as missing', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data'));
    const data = pvc('data-db', withControllerOf(owner), withDeletionTimestamp());

    const status = statusOf(owner, { pvcs: [data], pod: runningPod(owner) });

    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', ProgressReason.WaitingForPersistentVolumeClaims]);
  });

  test('paused Reserve waits for its PVCs', () => {
    const status = statusOf(reserve('db', withPaused(true), withVolumeClaimTemplates('data')));

    expect(status.phase).toBe('Paused');
    expect(summary(status, ConditionType.Ready)).toEqual(['False', ProgressReason.WaitingForPersistentVolumeClaims]);
  });

  test('observedGeneration is stamped everywhere', () => {
    const owner = reserve('db', withGeneration(7));

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(status.observedGeneration).toBe(7);
    expect(status.conditions!.map((condition) => condition.observedGeneration)).toEqual([7, 7, 7, 7, 7]);
  });

  test('conditions list every type once', () => {
    const status = statusOf(reserve('db'));

    expect(status.conditions!.map((condition) => condition.type).sort()).toEqual(
      ['Paused', 'Ready', 'Reconciling', 'Stalled', 'UpdatePending'],
    );
  });
});

describe('Reserve stalls', () => {
  const waiting = (reason: string, restartCount: number, message = ''): ((pod: V1Pod) => void) => (target) => {
    target.status = {
      ...target.status,
      phase: 'Running',
      containerStatuses: [
        { name: 'main', image: 'agent:v1', imageID: '', ready: false, restartCount, state: { waiting: { reason, message } } },
      ],
    };
  };

  test.each([
    ['ImagePullBackOff', 0, StallReason.ImagePullFailing],
    ['ErrImagePull', 0, StallReason.ImagePullFailing],
    ['CreateContainerConfigError', 0, StallReason.ContainerCannotStart],
    ['CrashLoopBackOff', 5, StallReason.ContainerCrashLooping],
  ])('a container waiting with %s after %d restarts stalls the Reserve', (reason, restarts, expected) => {
    const owner = reserve('agent');

    const status = statusOf(owner, { pod: podOf(owner, withNode('node-1'), waiting(reason, restarts, 'back-off pulling image')) });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', expected]);
    expect(conditionOf(status, ConditionType.Stalled).message).toContain('main');
  });

  test('a rejected Pod stalls the Reserve', () => {
    const owner = reserve('agent');

    const status = statusOf(owner, { rejection: { kind: 'Pod', message: 'spec.containers[0].image: Required value' } });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.InvalidPodTemplate]);
    expect(conditionOf(status, ConditionType.Stalled).message).toContain('spec.containers[0].image: Required value');
  });

  test('a rejected PVC stalls even a paused Reserve', () => {
    const owner = reserve('agent', withPaused(true), withVolumeClaimTemplates('data'));

    const status = statusOf(owner, { rejection: { kind: 'PersistentVolumeClaim', message: 'quantities must match the regular expression' } });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.InvalidVolumeClaimTemplate]);
  });

  test('a crash loop below the failure threshold is still progress', () => {
    const owner = reserve('agent');

    const status = statusOf(owner, { pod: podOf(owner, withNode('node-1'), waiting('CrashLoopBackOff', 2)) });

    expect(summary(status, ConditionType.Stalled)).toEqual(['False', expect.any(String)]);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', ProgressReason.PodStarting]);
  });

  test('foreign PVC stalls', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data'));

    const status = statusOf(owner, { foreignPvcs: ['data-db'] });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.ForeignPersistentVolumeClaim]);
    expect(conditionOf(status, ConditionType.Stalled).message).toContain('data-db');
    expect(summary(status, ConditionType.Ready)).toEqual(['False', StallReason.ForeignPersistentVolumeClaim]);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['False', StallReason.ForeignPersistentVolumeClaim]);
  });

  test('foreign PVC stalls a paused Reserve', () => {
    const owner = reserve('db', withPaused(true), withVolumeClaimTemplates('data'));

    const status = statusOf(owner, { foreignPvcs: ['data-db'] });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.ForeignPersistentVolumeClaim]);
    expect(summary(status, ConditionType.Ready)).toEqual(['False', StallReason.ForeignPersistentVolumeClaim]);
  });

  test('foreign Pod stalls', () => {
    const owner = reserve('db');
    const foreign = pod('db', withNode('node-1'), withReady());

    const status = statusOf(owner, { foreignPod: foreign });

    expect(status.phase).toBe('Pending');
    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.ForeignPod]);
    expect(summary(status, ConditionType.Ready)).toEqual(['False', StallReason.ForeignPod]);
    expect(status).not.toHaveProperty('podName');
  });

  test('terminating foreign Pod is waited for', () => {
    const owner = reserve('db');
    const foreign = pod('db', withControllerOf(reserve('db', withUid('uid-old'))), withDeletionTimestamp());

    const status = statusOf(owner, { foreignPod: foreign });

    expect(summary(status, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
    expect(summary(status, ConditionType.Reconciling)).toEqual(['True', ProgressReason.ForeignPodTerminating]);
  });

  test('foreign Pod does not stall a paused Reserve', () => {
    const status = statusOf(reserve('db', withPaused(true)), { foreignPod: pod('db') });

    expect(status.phase).toBe('Paused');
    expect(summary(status, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
  });

  test('repeated failures stall', () => {
    const owner = reserve('db');

    const status = statusOf(owner, { pod: failedPod(owner, 4) });

    expect(status.podFailures).toBe(5);
    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.PodFailedRepeatedly]);
    expect(summary(status, ConditionType.Ready)).toEqual(['False', StallReason.PodFailedRepeatedly]);
  });

  test('failure threshold comes from the backoff', () => {
    const owner = reserve('db');
    const backoff = { initialDelayMs: 1, maxDelayMs: 1, stallThreshold: 2 };

    expect(statusOf(owner, { pod: failedPod(owner, 0), failureBackoff: backoff }).phase).toBe('Pending');
    expect(statusOf(owner, { pod: failedPod(owner, 1), failureBackoff: backoff }).phase).toBe('Failed');
  });

  test('long unschedulable Pod stalls', () => {
    const owner = reserve('db');
    const unschedulable = podOf(owner, withUnschedulable(0, '0/3 nodes are available: 3 Insufficient memory.'));

    const before = statusOf(owner, { pod: unschedulable, now: T0 + DEFAULT_UNSCHEDULABLE_STALL_MS - 1000 });
    const after = statusOf(owner, { pod: unschedulable, now: T0 + DEFAULT_UNSCHEDULABLE_STALL_MS });

    expect(summary(before, ConditionType.Stalled)).toEqual(['False', 'NotStalled']);
    expect(summary(after, ConditionType.Stalled)).toEqual(['True', StallReason.Unschedulable]);
    expect(conditionOf(after, ConditionType.Stalled).message).toContain('3 Insufficient memory');
    expect(conditionOf(after, ConditionType.Stalled).message).toContain(`since ${at(0)}`);
  });

  test('unschedulable stall time is configurable', () => {
    const owner = reserve('db');
    const unschedulable = podOf(owner, withUnschedulable(90));

    const status = statusOf(owner, { pod: unschedulable, unschedulableStallMs: 10_000 });

    expect(summary(status, ConditionType.Stalled)).toEqual(['True', StallReason.Unschedulable]);
  });
});

describe('Reserve failure count', () => {
  test('failed Pod counts once', () => {
    const owner = reserve('db', withStatus({ podFailures: 2 }));
    const pod = failedPod(owner, 2);

    const first = statusOf(owner, { pod });
    const second = recalculate(owner, first, { pod });

    expect(first.podFailures).toBe(3);
    expect(second.podFailures).toBe(3);
  });

  test('count carries over without a Pod', () => {
    expect(statusOf(reserve('db', withStatus({ podFailures: 3 }))).podFailures).toBe(3);
  });

  test('Ready Pod resets the count', () => {
    const owner = reserve('db', withStatus({ podFailures: 3 }));

    expect(statusOf(owner, { pod: runningPod(owner) }).podFailures).toBe(0);
  });

  test('Succeeded Pod counts as a failure', () => {
    const owner = reserve('db');

    expect(statusOf(owner, { pod: podOf(owner, withPhase('Succeeded')) }).podFailures).toBe(1);
  });

  test('Pod ending during a pause does not count', () => {
    const owner = reserve('db', withPaused(true), withStatus({ podFailures: 1 }));

    expect(statusOf(owner, { pod: failedPod(owner, 1) }).podFailures).toBe(1);
  });

  test('terminating failed Pod does not count again', () => {
    const owner = reserve('db', withStatus({ podFailures: 1 }));

    expect(statusOf(owner, { pod: podOf(owner, withPhase('Failed'), withDeletionTimestamp()) }).podFailures).toBe(1);
  });
});

describe('Reserve status fields', () => {
  test('describe the current Pod', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data'));
    const pod = runningPod(owner);

    const status = statusOf(owner, { pod, pvcs: [pvc('data-db', withControllerOf(owner))] });

    expect(status.podName).toBe('db');
    expect(status.nodeName).toBe('node-1');
    expect(status.lastNodeName).toBe('node-1');
    expect(status.persistentVolumeClaims).toEqual(['data-db']);
    expect(status.templateHash).toBe(pod.metadata!.annotations![TEMPLATE_HASH_ANNOTATION]);
  });

  test('keep the last node and hash without a Pod', () => {
    const owner = reserve('db', withPaused(true), withStatus({ lastNodeName: 'node-1', nodeName: 'node-1', templateHash: 'abc' }));

    const status = statusOf(owner);

    expect(status).not.toHaveProperty('nodeName');
    expect(status).not.toHaveProperty('podName');
    expect(status.lastNodeName).toBe('node-1');
    expect(status.templateHash).toBe('abc');
  });

  test('UpdatePending follows the Pod template', () => {
    const owner = reserve('db');
    const pod = runningPod(owner);
    const changed = reserve('db', withImage('example.com/heavy:2'));

    const status = statusOf(changed, { pod });

    expect(summary(status, ConditionType.UpdatePending)).toEqual(['True', 'TemplateChanged']);
    expect(conditionOf(status, ConditionType.UpdatePending).message).toContain(
      computeTemplateHash(changed.spec.template, changed.spec.volumeClaimTemplates),
    );
  });

  test('UpdatePending is False for a terminating Pod', () => {
    const owner = reserve('db');
    const changed = reserve('db', withImage('example.com/heavy:2'));

    const status = statusOf(changed, { pod: podOf(owner, withDeletionTimestamp()) });

    expect(summary(status, ConditionType.UpdatePending)).toEqual(['False', 'UpToDate']);
  });

  test('status does not modify the Reserve', () => {
    const owner = reserve('db', withCondition('Ready', 'False'), withStatus({ phase: 'Starting' }));
    const before = structuredClone(owner);

    statusOf(owner, { pod: runningPod(owner) });

    expect(owner).toEqual(before);
  });
});

describe('Reserve transition times', () => {
  test('transition time kept while status holds', () => {
    const owner = reserve(
      'db',
      withCondition('Ready', 'True', 'PodReady', at(10)),
      withCondition('Stalled', 'False', 'NotStalled', at(10)),
    );

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(conditionOf(status, ConditionType.Ready).lastTransitionTime).toBe(at(10));
    expect(conditionOf(status, ConditionType.Stalled).lastTransitionTime).toBe(at(10));
  });

  test('transition time moves when status flips', () => {
    const owner = reserve('db', withCondition('Ready', 'False', 'PodStarting', at(10)));

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(conditionOf(status, ConditionType.Ready).lastTransitionTime).toBe(at(100));
  });

  test('firstReadyTime is the first Ready time', () => {
    const owner = reserve('db');

    const starting = statusOf(owner, { pod: podOf(owner, withNode('node-1')) });
    const ready = recalculate(owner, starting, { pod: runningPod(owner) });
    const readyAgain = recalculate(owner, ready, { pod: podOf(owner, withNode('node-2'), withReady(95)), now: NOW + 60_000 });

    expect(starting).not.toHaveProperty('firstReadyTime');
    expect(ready.firstReadyTime).toBe(at(30));
    expect(readyAgain.firstReadyTime).toBe(at(30));
  });

  test('lastPausedTime set when the Pod is gone', () => {
    const owner = reserve('db', withPaused(true), withStatus({ phase: 'Running', firstReadyTime: at(30) }));

    const pausing = statusOf(owner, { pod: runningPod(owner) });
    const paused = recalculate(owner, pausing, {});
    const stillPaused = recalculate(owner, paused, { now: NOW + 60_000 });

    expect(pausing).not.toHaveProperty('lastPausedTime');
    expect(paused.lastPausedTime).toBe(at(100));
    expect(stillPaused.lastPausedTime).toBe(at(100));
  });

  test('resume after Paused starts at the new Pod', () => {
    const owner = reserve(
      'db',
      withStatus({ phase: 'Paused', firstReadyTime: at(30), lastPausedTime: at(50), lastResumeSeconds: 4 }),
    );
    const newPod = podOf(owner, withCreationTimestamp(80), withNode('node-1'));

    const resumed = statusOf(owner, { pod: newPod });

    expect(resumed.phase).toBe('Starting');
    expect(resumed.lastResumedTime).toBe(at(80));
    expect(resumed).not.toHaveProperty('lastResumeSeconds');
    expect(resumed.lastPausedTime).toBe(at(50));
  });

  test('resume without a Pod starts now', () => {
    const owner = reserve('db', withStatus({ phase: 'Paused', firstReadyTime: at(30), lastPausedTime: at(50) }));

    expect(statusOf(owner).lastResumedTime).toBe(at(100));
  });

  test('resume after Pausing ignores the old Pod', () => {
    const owner = reserve('db', withStatus({ phase: 'Pausing', firstReadyTime: at(30) }));
    const oldPod = podOf(owner, withCreationTimestamp(0), withNode('node-1'), withReady(30), withDeletionTimestamp(90));

    const resumed = statusOf(owner, { pod: oldPod });

    expect(resumed.lastResumedTime).toBe(at(100));
  });

  test('lastResumeSeconds set once the Pod is Ready', () => {
    const owner = reserve('db', withStatus({ phase: 'Paused', firstReadyTime: at(30), lastPausedTime: at(50) }));

    const resumed = statusOf(owner, { now: T0 + 60_000 });
    const ready = recalculate(owner, resumed, { pod: podOf(owner, withNode('node-1'), withReady(72)) });
    const later = recalculate(owner, ready, { pod: podOf(owner, withNode('node-1'), withReady(90)), now: NOW + 60_000 });

    expect(resumed.lastResumedTime).toBe(at(60));
    expect(ready.phase).toBe('Running');
    expect(ready.lastResumeSeconds).toBe(12);
    expect(later.lastResumeSeconds).toBe(12);
  });

  test('first boot sets no resume fields', () => {
    const owner = reserve('db');

    const status = statusOf(owner, { pod: runningPod(owner) });

    expect(status).not.toHaveProperty('lastResumedTime');
    expect(status).not.toHaveProperty('lastResumeSeconds');
    expect(status).not.toHaveProperty('lastPausedTime');
  });
});

describe('Reserve status idempotence', () => {
  const owner = reserve('db', withVolumeClaimTemplates('data'));
  const data = pvc('data-db', withControllerOf(owner));
  const paused = reserve('db', withPaused(true), withVolumeClaimTemplates('data'));

  test.each([
    { name: 'creating', reserve: owner, input: { pvcs: [data] } },
    { name: 'waiting for PVCs', reserve: owner, input: {} },
    { name: 'starting', reserve: owner, input: { pvcs: [data], pod: podOf(owner, withNode('node-1')) } },
    { name: 'running', reserve: owner, input: { pvcs: [data], pod: runningPod(owner) } },
    { name: 'failed', reserve: owner, input: { pvcs: [data], pod: failedPod(owner, 0) } },
    { name: 'stalled by failures', reserve: owner, input: { pvcs: [data], pod: failedPod(owner, 4) } },
    { name: 'unschedulable', reserve: owner, input: { pvcs: [data], pod: podOf(owner, withUnschedulable(90)) } },
    { name: 'stalled unschedulable', reserve: owner, input: { pvcs: [data], pod: podOf(owner, withUnschedulable(-600)) } },
    { name: 'foreign PVC', reserve: owner, input: { foreignPvcs: ['data-db'] } },
    { name: 'foreign Pod', reserve: owner, input: { pvcs: [data], foreignPod: pod('db') } },
    { name: 'pausing', reserve: paused, input: { pvcs: [data], pod: runningPod(paused) } },
    { name: 'paused', reserve: paused, input: { pvcs: [data] } },
  ])('$name status is a fixed point', ({ reserve: subject, input }) => {
    const first = statusOf(subject, input);

    const again = recalculate(subject, first, input);
    const later = recalculate(subject, first, { ...input, now: NOW + 30_000 });

    expect(again).toEqual(first);
    expect(statusEqual(first, again)).toBe(true);
    // A status that changes with the time alone would be written on every reconcile, and each
    // write queues the Reserve again.
    expect(later).toEqual(first);
  });
});

describe('statusEqual', () => {
  test('ignores key order and undefined fields', () => {
    const a: ReserveStatus = { phase: 'Running', podName: 'db', nodeName: undefined };
    const b: ReserveStatus = { podName: 'db', phase: 'Running' };

    expect(statusEqual(a, b)).toBe(true);
  });

  test('detects a changed field', () => {
    expect(statusEqual({ phase: 'Running' }, { phase: 'Starting' })).toBe(false);
    expect(statusEqual({ phase: 'Running', conditions: [] }, { phase: 'Running' })).toBe(false);
  });

  test('missing status equals an empty one', () => {
    expect(statusEqual(undefined, {})).toBe(true);
    expect(statusEqual(undefined, { phase: 'Pending' })).toBe(false);
  });
});
