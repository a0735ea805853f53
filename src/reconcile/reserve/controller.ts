// The Reserve controller makes the cluster match spec.paused for one identity: exactly one
// Pod named after the Reserve while it runs, none while it is paused, and the same PVCs
// throughout. It reads from informer caches and is safe to run again at any point.
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { EventRecorder } from '../../client/events.js';
import { isAlreadyExists, isConflict, isInvalid, isNotFound, statusMessage } from '../../client/errors.js';
import type { Store } from '../../client/informer.js';
import type { KubeClient } from '../../client/kube-client.js';
import type { Reserve } from '../../schema/types.js';
import { type Clock, parseTime, systemClock } from '../clock.js';
import type { Metrics } from '../metrics.js';
import { isControlledBy } from '../owner.js';
import { splitKey, type ReconcileResult } from '../queue.js';
import { DEFAULT_FAILURE_BACKOFF, type FailureBackoff, recreateDelayMs } from './backoff.js';
import { buildPod, podFailuresBefore, podFinishedTime, podIsTerminal, podIsTerminating, podUnschedulableSince } from './pod.js';
import { buildPvcs, classifyPvc, updatedPvcOwnerReferences } from './pvc.js';
import { calculateReserveStatus, DEFAULT_UNSCHEDULABLE_STALL_MS, type ReserveStatusInput, statusEqual } from './status.js';

export interface ReserveControllerDependencies {
  client: KubeClient;
  reserves: Store<Reserve>;
  pods: Store<V1Pod>;
  pvcs: Store<V1PersistentVolumeClaim>;
  events: EventRecorder;
  logger: Logger;
  metrics?: Metrics;
  clock?: Clock;
  failureBackoff?: FailureBackoff;
}

/** What one pass over the Pod found, for status and for requeueing. */
interface PodOutcome {
  pod: V1Pod | undefined;
  foreignPod?: V1Pod;
  requeueAfterMs?: number;
  /** The apiserver's reason for rejecting the Pod built from the template. */
  rejected?: string;
}

/** How often a Reserve whose template the apiserver rejects tries again; an edit retries at once. */
const REJECTED_TEMPLATE_RETRY_MS = 60_000;

/** How often a Reserve blocked by a Pod it does not control looks again, without an event. */
const FOREIGN_POD_RECHECK_MS = 5000;

export class ReserveController {
  readonly name = 'reserve';
  private readonly clock: Clock;
  private readonly failureBackoff: FailureBackoff;
  /** When this replica began deleting each pausing Reserve's Pod, for the pause duration metric. */
  private readonly pausingSince = new Map<string, number>();

  constructor(private readonly deps: ReserveControllerDependencies) {
    this.clock = deps.clock ?? systemClock;
    this.failureBackoff = deps.failureBackoff ?? DEFAULT_FAILURE_BACKOFF;
  }

  /** Reconciles the Reserve with key `namespace/name`. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const reserve = this.deps.reserves.get(namespace, name);
    if (!reserve || reserve.metadata.deletionTimestamp) {
      // The garbage collector removes the Pod and, under whenDeleted Delete, the PVCs.
      return {};
    }
    const log = this.deps.logger.child({ namespace, name, uid: reserve.metadata.uid });

    const { foreign: foreignPvcs, rejected: rejectedPvc } = await this.syncPvcs(reserve, log);
    const podOutcome: PodOutcome =
      foreignPvcs.length > 0 || rejectedPvc !== undefined
        ? { pod: this.ownPod(reserve), requeueAfterMs: rejectedPvc === undefined ? undefined : REJECTED_TEMPLATE_RETRY_MS }
        : await this.syncPod(reserve, log);
    const rejection =
      rejectedPvc !== undefined
        ? { kind: 'PersistentVolumeClaim' as const, message: rejectedPvc }
        : podOutcome.rejected !== undefined
          ? { kind: 'Pod' as const, message: podOutcome.rejected }
          : undefined;

    await this.syncStatus(reserve, podOutcome, foreignPvcs, rejection, log);
    // The scheduler does not touch an unschedulable Pod again, so no event would arrive when
    // it has waited long enough to count as Stalled: come back then.
    const unschedulableSince = podOutcome.pod ? podUnschedulableSince(podOutcome.pod) : undefined;
    const stallInMs = unschedulableSince === undefined ? undefined : unschedulableSince + DEFAULT_UNSCHEDULABLE_STALL_MS - this.clock.now() + 1000;
    const delays = [podOutcome.requeueAfterMs, stallInMs].filter((delay): delay is number => delay !== undefined && delay > 0);
    return delays.length === 0 ? {} : { requeueAfterMs: Math.min(...delays) };
  }

  /**
   * Creates missing PVCs and keeps the ownerReferences of owned ones in line with the
   * retention policy. Returns the names of PVCs that exist but belong to something else;
   * those are reported and never adopted.
   */
  private async syncPvcs(reserve: Reserve, log: Logger): Promise<{ foreign: string[]; rejected?: string }> {
    const foreign: string[] = [];
    let rejected: string | undefined;
    for (const desired of buildPvcs(reserve)) {
      const pvcName = desired.metadata!.name!;
      const existing = this.deps.pvcs.get(reserve.metadata.namespace!, pvcName) ?? (await this.readPvc(reserve, pvcName));
      if (!existing) {
        rejected ??= await this.createPvc(reserve, desired, log);
        continue;
      }
      if (classifyPvc(reserve, existing) === 'foreign') {
        foreign.push(pvcName);
        continue;
      }
      const ownerReferences = updatedPvcOwnerReferences(reserve, existing);
      if (ownerReferences) {
        await this.deps.client.patchPvc(reserve.metadata.namespace!, pvcName, {
          metadata: { ownerReferences, resourceVersion: existing.metadata?.resourceVersion },
        });
      }
    }
    if (foreign.length > 0) {
      this.deps.events.record(
        reserve,
        'Warning',
        'ForeignPersistentVolumeClaim',
        `PersistentVolumeClaim ${foreign.join(', ')} exists but was not created by this Reserve; ` +
          'delete or rename it, or rename the Reserve. It is never adopted, because it may hold other data.',
      );
    }
    return { foreign, rejected };
  }

  // The PVC informer sees only PVCs with the reserve label, so a PVC of the same name made by
  // someone else is read directly before anything is created.
  private async readPvc(reserve: Reserve, name: string): Promise<V1PersistentVolumeClaim | undefined> {
    try {
      return await this.deps.client.core.readNamespacedPersistentVolumeClaim({ namespace: reserve.metadata.namespace!, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates a PVC; returns the apiserver's message when it rejects the PVC as invalid. */
  private async createPvc(reserve: Reserve, pvc: V1PersistentVolumeClaim, log: Logger): Promise<string | undefined> {
    try {
      await this.deps.client.createPvc(pvc);
      log.info({ pvc: pvc.metadata?.name }, 'created PersistentVolumeClaim');
      if (reserve.status?.firstReadyTime !== undefined) {
        // The Reserve has run before, so its PVC existed and was deleted by someone.
        this.deps.events.record(
          reserve,
          'Warning',
          'PersistentVolumeClaimRecreated',
          `PersistentVolumeClaim ${pvc.metadata?.name} was deleted outside reserve; created a new, empty one in its place`,
        );
      }
    } catch (error) {
      // The cache lagged behind a PVC created earlier; the next pass sees and classifies it.
      if (isAlreadyExists(error)) return undefined;
      if (!isInvalid(error)) throw error;
      const message = statusMessage(error);
      log.warn({ pvc: pvc.metadata?.name, err: message }, 'PersistentVolumeClaim rejected');
      this.deps.events.record(reserve, 'Warning', 'FailedCreatePersistentVolumeClaim', `PersistentVolumeClaim ${pvc.metadata?.name} rejected: ${message}`);
      return message;
    }
    return undefined;
  }

  private ownPod(reserve: Reserve): V1Pod | undefined {
    const pod = this.deps.pods.get(reserve.metadata.namespace!, reserve.metadata.name!);
    return pod && isControlledBy(pod.metadata, reserve.metadata.uid) ? pod : undefined;
  }

  private async syncPod(reserve: Reserve, log: Logger): Promise<PodOutcome> {
    const pod = this.deps.pods.get(reserve.metadata.namespace!, reserve.metadata.name!);

    if (pod && !isControlledBy(pod.metadata, reserve.metadata.uid)) {
      // A Pod of the same name that this Reserve does not control: left over from a deleted
      // Reserve of the same name (the garbage collector removes it) or made by someone else.
      // Creating ours would fail, and adopting it could run a stale template.
      return { pod: undefined, foreignPod: pod, requeueAfterMs: FOREIGN_POD_RECHECK_MS };
    }
    if (reserve.spec.paused) {
      if (pod && !podIsTerminating(pod)) await this.deletePod(reserve, pod, log, 'Pausing');
      return { pod };
    }
    if (!pod) return this.createPod(reserve, log);
    if (podIsTerminating(pod)) {
      // A resume right after a pause: the old Pod must be gone before its successor of the
      // same name is created, or two Pods would hold the same PVCs.
      return { pod };
    }
    if (podIsTerminal(pod)) return this.replaceFailedPod(reserve, pod, log);
    return { pod };
  }

  /**
   * Deletes a Failed or evicted Pod once its backoff has passed; its successor is created
   * when it is gone. Until then the failed Pod stays, so `kubectl describe` shows why.
   */
  private async replaceFailedPod(reserve: Reserve, pod: V1Pod, log: Logger): Promise<PodOutcome> {
    const failures = podFailuresBefore(pod) + 1;
    const waitMs = recreateDelayMs(this.failureBackoff, failures, podFinishedTime(pod), this.clock.now());
    if (waitMs > 0) {
      const ended = `${pod.status?.phase}${pod.status?.reason ? ` (${pod.status.reason})` : ''}`;
      this.deps.events.record(
        reserve,
        'Warning',
        'PodFailed',
        `Pod ${pod.metadata?.name} ended ${ended}; failure ${failures}, recreating it on the same volumes in ${Math.ceil(waitMs / 1000)}s`,
      );
      return { pod, requeueAfterMs: waitMs };
    }
    await this.deletePod(reserve, pod, log, 'Failed');
    return { pod };
  }

  private async createPod(reserve: Reserve, log: Logger): Promise<PodOutcome> {
    const pod = buildPod(reserve);
    try {
      const created = await this.deps.client.createPod(pod);
      const resumed = reserve.status?.lastNodeName !== undefined;
      log.info({ pod: pod.metadata?.name, lastNode: reserve.status?.lastNodeName }, resumed ? 'resuming' : 'starting');
      if (resumed) {
        this.deps.events.record(reserve, 'Normal', 'Resuming', `Created Pod ${pod.metadata?.name} on the same volumes; last node ${reserve.status?.lastNodeName}`);
      }
      return { pod: created };
    } catch (error) {
      if (isAlreadyExists(error)) return { pod: undefined };
      if (!isInvalid(error)) throw error;
      // The template passed admission but the Pod does not validate (an empty image, a
      // malformed quantity): retrying cannot help until the template changes.
      const message = statusMessage(error);
      log.warn({ pod: pod.metadata?.name, err: message }, 'Pod rejected');
      this.deps.events.record(reserve, 'Warning', 'FailedCreatePod', `Pod ${pod.metadata?.name} rejected: ${message}`);
      return { pod: undefined, rejected: message, requeueAfterMs: REJECTED_TEMPLATE_RETRY_MS };
    }
  }

  private async deletePod(reserve: Reserve, pod: V1Pod, log: Logger, why: 'Pausing' | 'Failed'): Promise<void> {
    try {
      // The UID precondition makes sure only this exact Pod is deleted, never a successor.
      await this.deps.client.deletePod(reserve.metadata.namespace!, pod.metadata!.name!, { uid: pod.metadata?.uid });
      log.info({ pod: pod.metadata?.name, node: pod.spec?.nodeName, reason: why }, 'deleting Pod');
      if (why === 'Pausing') {
        this.pausingSince.set(`${reserve.metadata.namespace}/${reserve.metadata.name}`, this.clock.now());
        this.deps.events.record(reserve, 'Normal', 'Pausing', `Deleting Pod ${pod.metadata?.name} gracefully; volumes are kept`);
      }
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  private async syncStatus(
    reserve: Reserve,
    podOutcome: PodOutcome,
    foreignPvcs: string[],
    rejection: ReserveStatusInput['rejection'],
    log: Logger,
  ): Promise<void> {
    const pvcs = buildPvcs(reserve)
      .map((desired) => this.deps.pvcs.get(reserve.metadata.namespace!, desired.metadata!.name!))
      .filter((pvc): pvc is V1PersistentVolumeClaim => pvc !== undefined);
    const status = calculateReserveStatus({
      reserve,
      pod: podOutcome.pod,
      foreignPod: podOutcome.foreignPod,
      pvcs,
      foreignPvcs,
      rejection,
      now: this.clock.now(),
      failureBackoff: this.failureBackoff,
    });
    if (statusEqual(reserve.status, status)) return;

    const previousPhase = reserve.status?.phase;
    try {
      await this.deps.client.updateReserveStatus({ ...reserve, status });
    } catch (error) {
      // A stale cached copy: the watch event of the newer version queues another pass.
      if (isConflict(error) || isNotFound(error)) return;
      throw error;
    }
    if (previousPhase !== status.phase) {
      log.info({ from: previousPhase, to: status.phase }, 'phase changed');
      this.recordPhaseEvent(reserve, status.phase, status.lastResumeSeconds);
    }
  }

  private recordPhaseEvent(reserve: Reserve, phase: string | undefined, resumeSeconds: number | undefined): void {
    const key = `${reserve.metadata.namespace}/${reserve.metadata.name}`;
    if (phase === 'Paused') {
      this.deps.events.record(reserve, 'Normal', 'Paused', 'Pod deleted; the Reserve and its volumes are kept');
      const pausingSince = this.pausingSince.get(key);
      if (pausingSince !== undefined) this.deps.metrics?.pauseDuration.observe((this.clock.now() - pausingSince) / 1000);
      this.pausingSince.delete(key);
    } else if (phase === 'Running' && resumeSeconds !== undefined) {
      this.deps.events.record(reserve, 'Normal', 'Running', `Pod Ready ${resumeSeconds.toFixed(1)}s after resume`);
      this.deps.metrics?.resumeDuration.observe(resumeSeconds);
      // Only the first resume after the claim counts; later pauses and resumes by the
      // claimant are ordinary resumes.
      const claim = reserve.spec.claim;
      const claimedAt = parseTime(claim?.time);
      const pausedAt = parseTime(reserve.status?.lastPausedTime);
      if (claim !== undefined && claimedAt !== undefined && (pausedAt === undefined || claimedAt >= pausedAt)) {
        this.deps.metrics?.claimToReady.observe({ namespace: reserve.metadata.namespace }, Math.max(0, this.clock.now() - claimedAt) / 1000);
        this.deps.metrics?.claimsTotal.inc({ namespace: reserve.metadata.namespace, reserveset: claim.reserveSet ?? '' });
      }
    } else if (phase === 'Failed') {
      this.deps.events.record(reserve, 'Warning', 'Stalled', 'Pods keep failing; see the Stalled condition');
    }
  }
}

