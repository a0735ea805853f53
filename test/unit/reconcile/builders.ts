// Fixture builders for reconcile tests: `reserve('a', withPaused(true))`,
// `pod('a', withPhase('Running'), withReady())`. Each builder returns a fresh object and
// applies its modifiers in order.

import type {
  V1Affinity,
  V1ObjectMeta,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodCondition,
  V1Volume,
} from '@kubernetes/client-node';
import {
  API_VERSION,
  RESERVESET_KIND,
  RESERVESET_LABEL,
  RESERVE_KIND,
  TEMPLATE_HASH_LABEL,
} from '../../../src/schema/constants.js';
import { computeTemplateHash } from '../../../src/schema/template-hash.js';
import type {
  ClaimRecord,
  Condition,
  Reserve,
  ReserveSet,
  ReserveStatus,
  ResumePlacement,
} from '../../../src/schema/types.js';
import { POD_FAILURES_ANNOTATION, TEMPLATE_HASH_ANNOTATION } from '../../../src/reconcile/reserve/pod.js';
import { RESERVE_UID_ANNOTATION } from '../../../src/reconcile/reserve/pvc.js';

export type Modifier<T> = (object: T) => void;

/** Time all fixtures are created at, unless a modifier says otherwise. */
export const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Formats T0 + offsetSeconds the way the apiserver serializes a timestamp. */
export function at(offsetSeconds: number): string {
  return new Date(T0 + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

function build<T>(object: T, modifiers: Modifier<T>[]): T {
  for (const modify of modifiers) {
    modify(object);
  }
  return object;
}

// Modifiers for any object with metadata.

interface HasMetadata {
  metadata?: V1ObjectMeta;
}

export function withDeletionTimestamp(offsetSeconds = 0): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = { ...object.metadata, deletionTimestamp: at(offsetSeconds) as unknown as Date };
  };
}

export function withCreationTimestamp(offsetSeconds: number): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = { ...object.metadata, creationTimestamp: at(offsetSeconds) as unknown as Date };
  };
}

export function withLabels(labels: Record<string, string>): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = { ...object.metadata, labels: { ...object.metadata?.labels, ...labels } };
  };
}

export function withoutLabel(key: string): Modifier<HasMetadata> {
  return (object) => {
    delete object.metadata?.labels?.[key];
  };
}

export function withAnnotations(annotations: Record<string, string>): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = { ...object.metadata, annotations: { ...object.metadata?.annotations, ...annotations } };
  };
}

/** Makes owner the controller of the object. */
export function withControllerOf(owner: { apiVersion: string; kind: string; metadata: V1ObjectMeta }): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = {
      ...object.metadata,
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name ?? '',
          uid: owner.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    };
  };
}

export function withoutOwners(): Modifier<HasMetadata> {
  return (object) => {
    delete object.metadata?.ownerReferences;
  };
}

// Reserve.

export function reserve(name: string, ...modifiers: Modifier<Reserve>[]): Reserve {
  return build<Reserve>(
    {
      apiVersion: API_VERSION as Reserve['apiVersion'],
      kind: RESERVE_KIND as Reserve['kind'],
      metadata: {
        name,
        namespace: 'default',
        uid: `uid-${name}`,
        generation: 1,
        creationTimestamp: at(0) as unknown as Date,
      },
      spec: {
        template: {
          metadata: { labels: { app: 'heavy' } },
          spec: { containers: [{ name: 'main', image: 'example.com/heavy:1' }] },
        },
      },
    },
    modifiers,
  );
}

export function withPaused(paused: boolean): Modifier<Reserve> {
  return (object) => {
    object.spec.paused = paused;
  };
}

export function withUid(uid: string): Modifier<HasMetadata> {
  return (object) => {
    object.metadata = { ...object.metadata, uid };
  };
}

export function withGeneration(generation: number): Modifier<Reserve> {
  return (object) => {
    object.metadata.generation = generation;
  };
}

/** Adds a volume claim template of 1Gi for each name. */
export function withVolumeClaimTemplates(...names: string[]): Modifier<Reserve> {
  return (object) => {
    object.spec.volumeClaimTemplates = [
      ...(object.spec.volumeClaimTemplates ?? []),
      ...names.map((name) => ({
        metadata: { name, labels: { tier: 'data' }, annotations: { note: name } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      })),
    ];
  };
}

export function withRetention(whenDeleted: 'Delete' | 'Retain'): Modifier<Reserve> {
  return (object) => {
    object.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted };
  };
}

export function withResumePlacement(placement: ResumePlacement): Modifier<Reserve> {
  return (object) => {
    object.spec.resumePlacement = placement;
  };
}

export function withTemplateAffinity(affinity: V1Affinity): Modifier<Reserve> {
  return (object) => {
    object.spec.template.spec = { ...object.spec.template.spec!, affinity };
  };
}

export function withTemplateVolumes(...volumes: V1Volume[]): Modifier<Reserve> {
  return (object) => {
    object.spec.template.spec = { ...object.spec.template.spec!, volumes };
  };
}

export function withImage(image: string): Modifier<Reserve> {
  return (object) => {
    object.spec.template.spec!.containers[0]!.image = image;
  };
}

export function withStatus(status: ReserveStatus): Modifier<Reserve> {
  return (object) => {
    object.status = { ...object.status, ...status };
  };
}

/** Adds a condition to the status; lastTransitionTime is T0 unless given. */
export function withCondition(
  type: string,
  status: Condition['status'],
  reason = 'Test',
  lastTransitionTime = at(0),
): Modifier<Reserve> {
  return (object) => {
    const others = (object.status?.conditions ?? []).filter((condition) => condition.type !== type);
    object.status = {
      ...object.status,
      conditions: [...others, { type, status, reason, message: '', lastTransitionTime }],
    };
  };
}

export function withClaim(claim: Partial<ClaimRecord> = {}): Modifier<Reserve> {
  return (object) => {
    object.spec.claim = { user: 'alice', time: at(100), ...claim };
  };
}

// Pod.

/** Builds a Pod in phase Pending, not scheduled. */
export function pod(name: string, ...modifiers: Modifier<V1Pod>[]): V1Pod {
  return build<V1Pod>(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `pod-uid-${name}`, creationTimestamp: at(0) as unknown as Date },
      spec: { containers: [{ name: 'main', image: 'example.com/heavy:1' }] },
      status: { phase: 'Pending', conditions: [] },
    },
    modifiers,
  );
}

/** Builds the Pod that buildPod would make for owner: controlled by it, with its template hash. */
export function podOf(owner: Reserve, ...modifiers: Modifier<V1Pod>[]): V1Pod {
  return pod(
    owner.metadata.name ?? '',
    withControllerOf(owner),
    withAnnotations({
      [TEMPLATE_HASH_ANNOTATION]: computeTemplateHash(owner.spec.template, owner.spec.volumeClaimTemplates),
      [POD_FAILURES_ANNOTATION]: String(owner.status?.podFailures ?? 0),
    }),
    ...modifiers,
  );
}

function setPodCondition(object: V1Pod, condition: V1PodCondition): void {
  const others = (object.status?.conditions ?? []).filter((existing) => existing.type !== condition.type);
  object.status = { ...object.status, conditions: [...others, condition] };
}

export function withPhase(phase: string, reason?: string): Modifier<V1Pod> {
  return (object) => {
    object.status = { ...object.status, phase, ...(reason ? { reason } : {}) };
  };
}

/** Schedules the Pod onto node. */
export function withNode(node: string): Modifier<V1Pod> {
  return (object) => {
    object.spec = { ...object.spec!, nodeName: node };
    setPodCondition(object, { type: 'PodScheduled', status: 'True' });
  };
}

/** Makes the Pod Running and Ready since T0 + offsetSeconds. */
export function withReady(offsetSeconds = 0): Modifier<V1Pod> {
  return (object) => {
    object.status = { ...object.status, phase: 'Running' };
    setPodCondition(object, { type: 'Ready', status: 'True', lastTransitionTime: at(offsetSeconds) as unknown as Date });
  };
}

export function withNotReady(): Modifier<V1Pod> {
  return (object) => {
    setPodCondition(object, { type: 'Ready', status: 'False', lastTransitionTime: at(0) as unknown as Date });
  };
}

export function withUnschedulable(sinceOffsetSeconds: number, message = '0/3 nodes are available'): Modifier<V1Pod> {
  return (object) => {
    setPodCondition(object, {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: at(sinceOffsetSeconds) as unknown as Date,
    });
  };
}

export function withContainerFinishedAt(offsetSeconds: number): Modifier<V1Pod> {
  return (object) => {
    const statuses = object.status?.containerStatuses ?? [];
    object.status = {
      ...object.status,
      containerStatuses: [
        ...statuses,
        {
          name: `c${statuses.length}`,
          image: 'example.com/heavy:1',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, finishedAt: at(offsetSeconds) as unknown as Date } },
        },
      ],
    };
  };
}

// PersistentVolumeClaim.

export function pvc(name: string, ...modifiers: Modifier<V1PersistentVolumeClaim>[]): V1PersistentVolumeClaim {
  return build<V1PersistentVolumeClaim>(
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: {} },
    modifiers,
  );
}

/** Marks the PVC as created by owner, as buildPvcs does under Retain. */
export function withCreatorUid(uid: string): Modifier<V1PersistentVolumeClaim> {
  return withAnnotations({ [RESERVE_UID_ANNOTATION]: uid });
}

// ReserveSet and its members.

export function reserveSet(name: string, ...modifiers: Modifier<ReserveSet>[]): ReserveSet {
  return build<ReserveSet>(
    {
      apiVersion: API_VERSION as ReserveSet['apiVersion'],
      kind: RESERVESET_KIND as ReserveSet['kind'],
      metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, creationTimestamp: at(0) as unknown as Date },
      spec: {
        replicas: 3,
        template: {
          metadata: { labels: { app: 'heavy' } },
          spec: { containers: [{ name: 'main', image: 'example.com/heavy:1' }] },
        },
      },
    },
    modifiers,
  );
}

export function withReplicas(replicas: number): Modifier<ReserveSet> {
  return (object) => {
    object.spec.replicas = replicas;
  };
}

export function withSetImage(image: string): Modifier<ReserveSet> {
  return (object) => {
    object.spec.template.spec!.containers[0]!.image = image;
  };
}

export function withUpdateStrategy(type: 'Replace' | 'OnDelete', maxUnavailable?: number | string): Modifier<ReserveSet> {
  return (object) => {
    object.spec.updateStrategy = { type, ...(maxUnavailable !== undefined ? { maxUnavailable } : {}) };
  };
}

export function withSetStatus(status: ReserveSet['status']): Modifier<ReserveSet> {
  return (object) => {
    object.status = { ...object.status, ...status };
  };
}

export function setTemplateHash(set: ReserveSet): string {
  return computeTemplateHash(set.spec.template, set.spec.volumeClaimTemplates);
}

/** Builds an unclaimed member of set, labelled with the set's current template hash, warming and unpaused. */
export function member(set: ReserveSet, name: string, ...modifiers: Modifier<Reserve>[]): Reserve {
  return reserve(
    name,
    withLabels({ [RESERVESET_LABEL]: set.metadata.name ?? '', [TEMPLATE_HASH_LABEL]: setTemplateHash(set) }),
    withControllerOf(set),
    withPaused(false),
    ...modifiers,
  );
}

/** Gives the member the status of one that booted, was paused by its set and has no Pod. */
export function asWarm(firstReadyOffsetSeconds = 10): Modifier<Reserve> {
  return (object) => {
    object.spec.paused = true;
    object.status = {
      ...object.status,
      phase: 'Paused',
      observedGeneration: object.metadata.generation,
      firstReadyTime: at(firstReadyOffsetSeconds),
      lastPausedTime: at(firstReadyOffsetSeconds + 5),
    };
  };
}

export function withTemplateHashLabel(hash: string): Modifier<Reserve> {
  return withLabels({ [TEMPLATE_HASH_LABEL]: hash });
}
