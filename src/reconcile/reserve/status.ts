// The status of a Reserve, computed from what the controller observed. Pure, so the
// controller can compare the result with the stored status and write only on change.
//
// Conditions follow kstatus, so Flux and Argo CD report a Reserve as:
// - Current when it has reached what its spec asks for: Running with a Ready Pod, or Paused
//   with no Pod. A correctly paused Reserve is healthy, so Ready=True with reason Paused.
// - InProgress while Reconciling=True: PVCs being created, a Pod starting or terminating.
// - Failed while Stalled=True: the apiserver rejects the Pod or PVCs built from its
//   templates, a foreign PVC or Pod blocks it, its Pods keep failing, a
//   container crash loops or cannot start (image pull, configuration), or its Pod has been
//   unschedulable for longer than unschedulableStallMs.

import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { canonicalJson, computeTemplateHash } from '../../schema/template-hash.js';
import type { Condition, Reserve, ReservePhase, ReserveStatus } from '../../schema/types.js';
import { formatTime, parseTime } from '../clock.js';
import { type ConditionUpdate, setCondition } from '../conditions.js';
import { DEFAULT_FAILURE_BACKOFF, type FailureBackoff, isStalledByFailures } from './backoff.js';
import {
  podFailuresBefore,
  podIsReady,
  podIsScheduled,
  podIsTerminal,
  podIsTerminating,
  podReadySince,
  podStartFailure,
  podTemplateHash,
  podUnschedulableSince,
} from './pod.js';
import { pvcNames } from './pvc.js';

export const ConditionType = {
  Ready: 'Ready',
  Paused: 'Paused',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  UpdatePending: 'UpdatePending',
} as const;

/** Reasons of Stalled=True; each also becomes the reason of Ready=False. */
export const StallReason = {
  ForeignPersistentVolumeClaim: 'ForeignPersistentVolumeClaim',
  ForeignPod: 'ForeignPod',
  PodFailedRepeatedly: 'PodFailedRepeatedly',
  ContainerCrashLooping: 'ContainerCrashLooping',
  ImagePullFailing: 'ImagePullFailing',
  ContainerCannotStart: 'ContainerCannotStart',
  InvalidPodTemplate: 'InvalidPodTemplate',
  InvalidVolumeClaimTemplate: 'InvalidVolumeClaimTemplate',
  Unschedulable: 'Unschedulable',
} as const;

/** Reasons of Reconciling=True; each also becomes the reason of Ready=False. */
export const ProgressReason = {
  WaitingForPersistentVolumeClaims: 'WaitingForPersistentVolumeClaims',
  Pausing: 'Pausing',
  ForeignPodTerminating: 'ForeignPodTerminating',
  CreatingPod: 'CreatingPod',
  PodTerminating: 'PodTerminating',
  PodFailed: 'PodFailed',
  PodUnschedulable: 'PodUnschedulable',
  PodPending: 'PodPending',
  PodStarting: 'PodStarting',
} as const;

/** Time a Pod may stay unschedulable before the Reserve is Stalled; the cluster autoscaler may add a node meanwhile. */
export const DEFAULT_UNSCHEDULABLE_STALL_MS = 5 * 60_000;

export interface ReserveStatusInput {
  reserve: Reserve;
  /** The Pod controlled by this Reserve, if one exists. */
  pod?: V1Pod;
  /** The existing PVCs that classifyPvc found owned by this Reserve. */
  pvcs: readonly V1PersistentVolumeClaim[];
  /** Names of existing PVCs with this Reserve's PVC names that it does not own. */
  foreignPvcs: readonly string[];
  /** A Pod with this Reserve's name that it does not control, if one exists. */
  foreignPod?: V1Pod;
  /** Why the apiserver rejected the PVCs or the Pod built from the templates, if it did. */
  rejection?: { kind: 'PersistentVolumeClaim' | 'Pod'; message: string };
  /** Milliseconds since the epoch. */
  now: number;
  failureBackoff?: FailureBackoff;
  unschedulableStallMs?: number;
}

interface Verdict {
  reason: string;
  message: string;
}

/** What the controller observed, reduced to the facts the status depends on. */
interface Observation {
  input: ReserveStatusInput;
  previous: ReserveStatus;
  paused: boolean;
  pod: V1Pod | undefined;
  podName: string;
  podReady: boolean;
  podFailures: number;
  missingPvcs: string[];
}

/**
 * Calculates the status of a Reserve. The time fields (firstReadyTime, lastPausedTime,
 * lastResumedTime, lastResumeSeconds) are carried over from reserve.status and change only at
 * the transitions they record, so calling this again with the same input returns the same
 * status.
 */
export function calculateReserveStatus(input: ReserveStatusInput): ReserveStatus {
  const observation = observe(input);
  const phase = calculatePhase(observation);
  const stall = findStall(observation);
  const progress = stall === undefined ? findProgress(observation) : undefined;
  const nodeName = observation.pod?.spec?.nodeName || undefined;

  const status: ReserveStatus = {
    phase,
    observedGeneration: input.reserve.metadata.generation,
    podName: observation.pod?.metadata?.name,
    nodeName,
    lastNodeName: nodeName ?? observation.previous.lastNodeName,
    persistentVolumeClaims: pvcNames(input.reserve),
    templateHash: (observation.pod && podTemplateHash(observation.pod)) ?? observation.previous.templateHash,
    podFailures: observation.podFailures,
    ...timeFields(observation, phase),
  };
  status.conditions = calculateConditions(observation, phase, stall, progress);
  return dropUndefined(status);
}

/** Returns whether two statuses are equal as JSON, ignoring key order and undefined fields. */
export function statusEqual(a: ReserveStatus | undefined, b: ReserveStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

function observe(input: ReserveStatusInput): Observation {
  const { reserve, pod } = input;
  const previous = reserve.status ?? {};
  const paused = reserve.spec.paused === true;
  const podReady = pod !== undefined && !podIsTerminating(pod) && podIsReady(pod);
  const present = new Set(
    input.pvcs.filter((pvc) => !pvc.metadata?.deletionTimestamp).map((pvc) => pvc.metadata?.name),
  );
  const missingPvcs = pvcNames(reserve).filter(
    (name) => !present.has(name) && !input.foreignPvcs.includes(name),
  );
  return {
    input,
    previous,
    paused,
    pod,
    podName: pod?.metadata?.name ?? reserve.metadata.name ?? '',
    podReady,
    podFailures: countPodFailures(previous, pod, paused, podReady),
    missingPvcs,
  };
}

/**
 * Counts consecutive failed Pods. A terminal Pod is failure number podFailuresBefore + 1,
 * read from its annotation so that it is never counted twice. Succeeded counts too, because a
 * Reserve's Pod is meant to keep running. A Pod that is being deleted, or ends while the
 * Reserve is paused, was stopped on purpose and does not count. A Ready Pod resets the count.
 */
function countPodFailures(
  previous: ReserveStatus,
  pod: V1Pod | undefined,
  paused: boolean,
  podReady: boolean,
): number {
  if (podReady) {
    return 0;
  }
  if (pod !== undefined && !paused && podIsTerminal(pod) && !podIsTerminating(pod)) {
    return podFailuresBefore(pod) + 1;
  }
  return previous.podFailures ?? 0;
}

function calculatePhase(observation: Observation): ReservePhase {
  const { pod, paused, podReady } = observation;
  if (paused) {
    return pod === undefined ? 'Paused' : 'Pausing';
  }
  if (podReady) {
    return 'Running';
  }
  if (isStalledByFailures(failureBackoff(observation), observation.podFailures)) {
    return 'Failed';
  }
  if (pod !== undefined && !podIsTerminal(pod) && !podIsTerminating(pod) && podIsScheduled(pod)) {
    return 'Starting';
  }
  return 'Pending';
}

/** Returns why the Reserve cannot progress without outside help, or undefined if it can. */
function findStall(observation: Observation): Verdict | undefined {
  const { input, paused, pod, podName } = observation;
  if (input.foreignPvcs.length > 0) {
    const names = input.foreignPvcs.join(', ');
    return {
      reason: StallReason.ForeignPersistentVolumeClaim,
      message: `PersistentVolumeClaims ${names} exist but do not belong to this Reserve; delete them so that it can create its own.`,
    };
  }
  if (input.rejection?.kind === 'PersistentVolumeClaim') {
    return {
      reason: StallReason.InvalidVolumeClaimTemplate,
      message: `The apiserver rejected a PersistentVolumeClaim built from spec.volumeClaimTemplates: ${input.rejection.message}`,
    };
  }
  if (paused) {
    return undefined;
  }
  if (input.rejection?.kind === 'Pod') {
    return {
      reason: StallReason.InvalidPodTemplate,
      message: `The apiserver rejected Pod ${podName} built from spec.template: ${input.rejection.message}`,
    };
  }
  if (input.foreignPod !== undefined && !podIsTerminating(input.foreignPod)) {
    return {
      reason: StallReason.ForeignPod,
      message: `Pod ${podName} exists but is not controlled by this Reserve; delete it so that the Reserve can create its own.`,
    };
  }
  if (!observation.podReady && isStalledByFailures(failureBackoff(observation), observation.podFailures)) {
    return {
      reason: StallReason.PodFailedRepeatedly,
      message: `${observation.podFailures} consecutive Pods failed; the Pod is recreated with backoff until one becomes Ready.`,
    };
  }
  // Under restartPolicy Always a crashing container keeps its Pod Running, so crash loops and
  // images that cannot be pulled are read from the container states instead of Pod failures.
  const startFailure = pod === undefined || observation.podReady || podIsTerminating(pod) ? undefined : podStartFailure(pod);
  if (startFailure !== undefined) {
    const crashLooping = startFailure.kind === 'CrashLoop';
    const detail = startFailure.message === '' ? '' : `: ${startFailure.message}`;
    if (crashLooping && isStalledByFailures(failureBackoff(observation), startFailure.restartCount)) {
      return {
        reason: StallReason.ContainerCrashLooping,
        message: `Container ${startFailure.container} of Pod ${podName} keeps crashing (${startFailure.restartCount} restarts)${detail}`,
      };
    }
    if (!crashLooping) {
      return {
        reason: startFailure.kind === 'Image' ? StallReason.ImagePullFailing : StallReason.ContainerCannotStart,
        message: `Container ${startFailure.container} of Pod ${podName} cannot start: ${startFailure.reason}${detail}`,
      };
    }
  }
  const unschedulableSince = pod === undefined ? undefined : podUnschedulableSince(pod);
  const stallMs = input.unschedulableStallMs ?? DEFAULT_UNSCHEDULABLE_STALL_MS;
  if (unschedulableSince !== undefined && input.now - unschedulableSince >= stallMs) {
    // The message names the start time, not the elapsed time, because a status that changes
    // with the clock alone would be written on every reconcile, and each write queues it again.
    return {
      reason: StallReason.Unschedulable,
      message: `Pod ${podName} has been unschedulable since ${formatTime(unschedulableSince)}: ${schedulerMessage(pod)}`,
    };
  }
  return undefined;
}

/** Returns what the Reserve is waiting for, or undefined once it is Running or Paused. */
function findProgress(observation: Observation): Verdict | undefined {
  const { input, paused, pod, podName } = observation;
  if (observation.missingPvcs.length > 0) {
    return {
      reason: ProgressReason.WaitingForPersistentVolumeClaims,
      message: `Waiting for PersistentVolumeClaims ${observation.missingPvcs.join(', ')} to be created.`,
    };
  }
  if (paused) {
    return pod === undefined
      ? undefined
      : { reason: ProgressReason.Pausing, message: `Waiting for Pod ${podName} to terminate.` };
  }
  if (pod === undefined) {
    if (input.foreignPod !== undefined) {
      return {
        reason: ProgressReason.ForeignPodTerminating,
        message: `Waiting for Pod ${podName} of a previous Reserve with the same name to terminate.`,
      };
    }
    return { reason: ProgressReason.CreatingPod, message: `Creating Pod ${podName}.` };
  }
  return findPodProgress(observation, pod);
}

function findPodProgress(observation: Observation, pod: V1Pod): Verdict | undefined {
  const { podName } = observation;
  if (podIsTerminating(pod)) {
    return {
      reason: ProgressReason.PodTerminating,
      message: `Waiting for Pod ${podName} to terminate before creating a new one.`,
    };
  }
  if (podIsTerminal(pod)) {
    return {
      reason: ProgressReason.PodFailed,
      message: `Pod ${podName} stopped with phase ${pod.status?.phase ?? 'unknown'} (failure ${observation.podFailures}); it is replaced after backoff.`,
    };
  }
  if (observation.podReady) {
    return undefined;
  }
  if (podUnschedulableSince(pod) !== undefined) {
    return {
      reason: ProgressReason.PodUnschedulable,
      message: `Pod ${podName} is unschedulable: ${schedulerMessage(pod)}`,
    };
  }
  if (!podIsScheduled(pod)) {
    return { reason: ProgressReason.PodPending, message: `Waiting for Pod ${podName} to be scheduled.` };
  }
  return {
    reason: ProgressReason.PodStarting,
    message: `Waiting for Pod ${podName} on node ${pod.spec?.nodeName ?? ''} to become Ready.`,
  };
}

function calculateConditions(
  observation: Observation,
  phase: ReservePhase,
  stall: Verdict | undefined,
  progress: Verdict | undefined,
): Condition[] {
  const { reserve, now } = observation.input;
  const updates: ConditionUpdate[] = [
    readyCondition(observation, stall, progress),
    pausedCondition(observation, phase),
    progress === undefined
      ? { type: ConditionType.Reconciling, status: 'False', reason: stall?.reason ?? 'Reconciled', message: '' }
      : { type: ConditionType.Reconciling, status: 'True', ...progress },
    stall === undefined
      ? { type: ConditionType.Stalled, status: 'False', reason: 'NotStalled', message: '' }
      : { type: ConditionType.Stalled, status: 'True', ...stall },
    updatePendingCondition(observation),
  ];
  let conditions = reserve.status?.conditions ?? [];
  for (const update of updates) {
    conditions = setCondition(conditions, update, reserve.metadata.generation, now);
  }
  return conditions;
}

function readyCondition(
  observation: Observation,
  stall: Verdict | undefined,
  progress: Verdict | undefined,
): ConditionUpdate {
  const blocker = stall ?? progress;
  if (blocker !== undefined) {
    return { type: ConditionType.Ready, status: 'False', ...blocker };
  }
  if (observation.paused) {
    return {
      type: ConditionType.Ready,
      status: 'True',
      reason: 'Paused',
      message: 'The Reserve is paused as requested: its Pod is deleted and its PersistentVolumeClaims are kept.',
    };
  }
  return {
    type: ConditionType.Ready,
    status: 'True',
    reason: 'PodReady',
    message: `Pod ${observation.podName} is Ready on node ${observation.pod?.spec?.nodeName ?? ''}.`,
  };
}

function pausedCondition(observation: Observation, phase: ReservePhase): ConditionUpdate {
  if (phase === 'Paused') {
    return { type: ConditionType.Paused, status: 'True', reason: 'Paused', message: 'The Pod is deleted.' };
  }
  if (phase === 'Pausing') {
    return {
      type: ConditionType.Paused,
      status: 'False',
      reason: 'Pausing',
      message: `Waiting for Pod ${observation.podName} to terminate.`,
    };
  }
  return { type: ConditionType.Paused, status: 'False', reason: 'NotPaused', message: 'spec.paused is false.' };
}

/**
 * UpdatePending is True while the Pod runs an older template. The controller does not
 * restart a running Pod for a template change: the new template applies when the Pod is next
 * created, after a pause and resume or a failure.
 */
function updatePendingCondition(observation: Observation): ConditionUpdate {
  const { reserve } = observation.input;
  const pod = observation.pod;
  if (pod === undefined || podIsTerminating(pod)) {
    return {
      type: ConditionType.UpdatePending,
      status: 'False',
      reason: 'UpToDate',
      message: 'The next Pod is built from the current template.',
    };
  }
  const current = computeTemplateHash(reserve.spec.template, reserve.spec.volumeClaimTemplates);
  const running = podTemplateHash(pod);
  if (running === current) {
    return {
      type: ConditionType.UpdatePending,
      status: 'False',
      reason: 'UpToDate',
      message: `Pod ${observation.podName} runs the current template.`,
    };
  }
  return {
    type: ConditionType.UpdatePending,
    status: 'True',
    reason: 'TemplateChanged',
    message: `Pod ${observation.podName} runs template ${running ?? 'unknown'}; template ${current} applies when the Pod is next created.`,
  };
}

/**
 * Carries the time fields over and moves them at the transitions they record:
 * - firstReadyTime: the first time a Pod is seen Ready, at its Ready transition time;
 * - lastPausedTime: when the phase becomes Paused;
 * - lastResumedTime: when spec.paused is seen false while the last phase was Paused or
 *   Pausing, or the creation time of the new Pod if that is earlier;
 * - lastResumeSeconds: unset at a resume, then set once, when the resumed Pod is Ready.
 */
function timeFields(observation: Observation, phase: ReservePhase): Partial<ReserveStatus> {
  const { previous, pod, input } = observation;
  const readyAtMs = observation.podReady && pod !== undefined ? (podReadySince(pod) ?? input.now) : undefined;
  const fields: Partial<ReserveStatus> = {
    firstReadyTime: previous.firstReadyTime ?? (readyAtMs === undefined ? undefined : formatTime(readyAtMs)),
    lastPausedTime:
      phase === 'Paused' && previous.phase !== 'Paused' ? formatTime(input.now) : previous.lastPausedTime,
    lastResumedTime: previous.lastResumedTime,
    lastResumeSeconds: previous.lastResumeSeconds,
  };

  const resuming = !observation.paused && (previous.phase === 'Paused' || previous.phase === 'Pausing');
  if (resuming) {
    // After Paused any Pod is new, so its creation bounds when the resume began. After
    // Pausing the old Pod may still run, and its creation time says nothing.
    const podCreatedMs = previous.phase === 'Paused' ? parseTime(pod?.metadata?.creationTimestamp) : undefined;
    fields.lastResumedTime = formatTime(Math.min(input.now, podCreatedMs ?? input.now));
    fields.lastResumeSeconds = undefined;
  }
  const resumedAtMs = parseTime(fields.lastResumedTime);
  if (readyAtMs !== undefined && resumedAtMs !== undefined && fields.lastResumeSeconds === undefined) {
    fields.lastResumeSeconds = Math.max(0, (readyAtMs - resumedAtMs) / 1000);
  }
  return fields;
}

function schedulerMessage(pod: V1Pod | undefined): string {
  const scheduled = pod?.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  return scheduled?.message ?? 'no reason given by the scheduler';
}

function failureBackoff(observation: Observation): FailureBackoff {
  return observation.input.failureBackoff ?? DEFAULT_FAILURE_BACKOFF;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
