// The Pod of a Reserve, and what the Reserve controller reads from a Pod.

import type { V1Pod, V1PodCondition, V1Volume } from '@kubernetes/client-node';
import { GROUP, RESERVE_LABEL, TEMPLATE_HASH_LABEL } from '../../schema/constants.js';
import { computeTemplateHash } from '../../schema/template-hash.js';
import type { Reserve } from '../../schema/types.js';
import { parseTime } from '../clock.js';
import { controllerReference } from '../owner.js';
import { withLastNodeAffinity } from './placement.js';
import { pvcName } from './pvc.js';

/** Annotation on a Pod with the hash of the Reserve template it was built from. */
export const TEMPLATE_HASH_ANNOTATION = TEMPLATE_HASH_LABEL;

/**
 * Annotation on a Pod with the number of consecutive failed Pods before it. Status counts a
 * terminal Pod as failure number value + 1, so recomputing status never counts a Pod twice.
 */
export const POD_FAILURES_ANNOTATION = `${GROUP}/pod-failures`;

export interface BuildPodOptions {
  /** Node of the previous Pod, for spec.resumePlacement. Defaults to status.lastNodeName. */
  lastNodeName?: string;
  /** Consecutive failed Pods before this one. Defaults to status.podFailures. */
  podFailures?: number;
}

/**
 * Builds the Pod of reserve: named after it and using its name as hostname, labelled like
 * its template plus RESERVE_LABEL, controlled by the Reserve, with a volume for every volume
 * claim template that the template does not declare itself, and node affinity towards the
 * previous node according to spec.resumePlacement.
 */
export function buildPod(reserve: Reserve, options: BuildPodOptions = {}): V1Pod {
  const name = reserve.metadata.name ?? '';
  const template = reserve.spec.template;
  const spec = structuredClone(template.spec ?? { containers: [] });
  const lastNodeName = options.lastNodeName ?? reserve.status?.lastNodeName;
  const podFailures = options.podFailures ?? reserve.status?.podFailures ?? 0;

  spec.hostname = name;
  spec.volumes = withClaimVolumes(spec.volumes, reserve);
  const affinity = withLastNodeAffinity(spec.affinity, reserve.spec.resumePlacement ?? 'PreferLastNode', lastNodeName);
  if (affinity !== undefined) {
    spec.affinity = affinity;
  }

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: reserve.metadata.namespace,
      labels: { ...template.metadata?.labels, [RESERVE_LABEL]: name },
      annotations: {
        ...template.metadata?.annotations,
        [TEMPLATE_HASH_ANNOTATION]: computeTemplateHash(template, reserve.spec.volumeClaimTemplates),
        [POD_FAILURES_ANNOTATION]: String(podFailures),
      },
      ownerReferences: [controllerReference(reserve)],
    },
    spec,
  };
}

/**
 * Appends a persistentVolumeClaim volume named after each volume claim template, as a
 * StatefulSet does, unless the template already declares a volume of that name.
 */
function withClaimVolumes(volumes: V1Volume[] | undefined, reserve: Reserve): V1Volume[] | undefined {
  const declared = new Set((volumes ?? []).map((volume) => volume.name));
  const added: V1Volume[] = (reserve.spec.volumeClaimTemplates ?? [])
    .filter((template) => !declared.has(template.metadata.name))
    .map((template) => ({
      name: template.metadata.name,
      persistentVolumeClaim: { claimName: pvcName(template.metadata.name, reserve.metadata.name ?? '') },
    }));
  if (added.length === 0) {
    return volumes;
  }
  return [...(volumes ?? []), ...added];
}

export function podIsReady(pod: V1Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * Returns whether the Pod will never run again: phase Failed (including kubelet evictions)
 * or Succeeded, or evicted with the phase not yet updated.
 */
export function podIsTerminal(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Failed' || phase === 'Succeeded' || pod.status?.reason === 'Evicted';
}

export function podIsTerminating(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function podIsScheduled(pod: V1Pod): boolean {
  return Boolean(pod.spec?.nodeName) || podCondition(pod, 'PodScheduled')?.status === 'True';
}

/** Returns when the scheduler last found no node for the Pod, or undefined if it is not unschedulable. */
export function podUnschedulableSince(pod: V1Pod): number | undefined {
  const scheduled = podCondition(pod, 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') {
    return undefined;
  }
  return parseTime(scheduled.lastTransitionTime) ?? parseTime(pod.metadata?.creationTimestamp);
}

/** Returns when the Pod became Ready, or undefined if it is not Ready. */
export function podReadySince(pod: V1Pod): number | undefined {
  const ready = podCondition(pod, 'Ready');
  return ready?.status === 'True' ? parseTime(ready.lastTransitionTime) : undefined;
}

/**
 * Returns when a terminal Pod stopped: the latest container finishedAt, else the last change
 * of its Ready condition, else its start or creation time.
 */
export function podFinishedTime(pod: V1Pod): number | undefined {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const finished = statuses
    .map((status) => parseTime(status.state?.terminated?.finishedAt))
    .filter((ms): ms is number => ms !== undefined);
  if (finished.length > 0) {
    return Math.max(...finished);
  }
  return (
    parseTime(podCondition(pod, 'Ready')?.lastTransitionTime) ??
    parseTime(pod.status?.startTime) ??
    parseTime(pod.metadata?.creationTimestamp)
  );
}

/** Returns the template hash the Pod was built from, from TEMPLATE_HASH_ANNOTATION. */
export function podTemplateHash(pod: V1Pod): string | undefined {
  return pod.metadata?.annotations?.[TEMPLATE_HASH_ANNOTATION];
}

/** Returns the consecutive failed Pods before this one, from POD_FAILURES_ANNOTATION; 0 if absent or invalid. */
export function podFailuresBefore(pod: V1Pod): number {
  const value = Number(pod.metadata?.annotations?.[POD_FAILURES_ANNOTATION]);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

function podCondition(pod: V1Pod, type: string): V1PodCondition | undefined {
  return pod.status?.conditions?.find((condition) => condition.type === type);
}

/** Waiting reasons of a container that the kubelet keeps retrying without success. */
const IMAGE_REASONS: ReadonlySet<string> = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONFIG_REASONS: ReadonlySet<string> = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

/** A container of a live Pod that cannot start or keeps crashing. */
export interface ContainerStartFailure {
  container: string;
  kind: 'CrashLoop' | 'Image' | 'Config';
  reason: string;
  message: string;
  restartCount: number;
}

/**
 * Returns the first container (init containers first) that waits for a reason the kubelet
 * only retries: a crash loop, an image that cannot be pulled, or an unusable configuration.
 */
export function podStartFailure(pod: V1Pod): ContainerStartFailure | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const reason = status.state?.waiting?.reason ?? '';
    const kind = startFailureKind(reason);
    if (kind !== undefined) {
      return { container: status.name, kind, reason, message: status.state?.waiting?.message ?? '', restartCount: status.restartCount ?? 0 };
    }
  }
  return undefined;
}

function startFailureKind(reason: string): ContainerStartFailure['kind'] | undefined {
  if (reason === 'CrashLoopBackOff') return 'CrashLoop';
  if (IMAGE_REASONS.has(reason)) return 'Image';
  if (CONFIG_REASONS.has(reason)) return 'Config';
  return undefined;
}
