// Runs both controllers: routes informer events to their work queues, drives the workers,
// and resyncs every object periodically so a lost event never leaves one unreconciled.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import type { Caches } from '../client/caches.js';
import { isNamespaceTerminating } from '../client/errors.js';
import type { ChangeType } from '../client/informer.js';
import { RESERVE_LABEL, RESERVESET_KIND } from '../schema/constants.js';
import type { Reserve } from '../schema/types.js';
import { isTrue } from './conditions.js';
import { ConditionType } from './reserve/status.js';
import { getControllerOf } from './owner.js';
import { runWorkers, splitKey, WorkQueue, type ReconcileFunction, type ReconcileResult } from './queue.js';

/** A controller as the manager sees it. */
export interface Reconciler {
  /** Name for logs and metrics, e.g. "reserve". */
  name: string;
  reconcile(key: string): Promise<ReconcileResult>;
}

/** Hooks for metrics; all optional. */
export interface ReconcileObserver {
  reconciled(controller: string, seconds: number, outcome: 'success' | 'requeue' | 'error'): void;
}

export interface ManagerOptions {
  caches: Caches;
  reserveController: Reconciler;
  reserveSetController: Reconciler & { observeMember?(type: ChangeType, member: Reserve): void };
  logger: Logger;
  workers?: number;
  /** Every object is reconciled at least this often; 0 disables it. */
  resyncPeriodMs?: number;
  observer?: ReconcileObserver;
}

export const objectKey = (object: KubernetesObject): string =>
  `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;

export class ControllerManager {
  readonly reserveQueue: WorkQueue;
  readonly reserveSetQueue = new WorkQueue();
  private resyncTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: ManagerOptions) {
    const { caches } = options;
    // A user waits on a claimed Reserve until it is Running; the members the refill creates
    // at the same moment can wait their turn.
    this.reserveQueue = new WorkQueue({
      isUrgent: (key) => {
        const reserve = caches.reserves.get(...splitKey(key));
        return reserve?.spec.claim !== undefined && !isTrue(reserve.status?.conditions, ConditionType.Ready);
      },
    });
    caches.reserves.onChange((type, reserve) => this.onReserve(type, reserve));
    caches.reserveSets.onChange((_type, set) => this.reserveSetQueue.add(objectKey(set)));
    caches.pods.onChange((_type, pod) => this.enqueueOwningReserve(pod));
    caches.pvcs.onChange((_type, pvc) => this.enqueueOwningReserve(pvc));
  }

  /** Starts the caches, waits until they hold a full list, then starts the workers. */
  async start(): Promise<void> {
    const { caches, logger } = this.options;
    await Promise.all([caches.reserves.start(), caches.reserveSets.start(), caches.pods.start(), caches.pvcs.start()]);
    // A cache whose first list failed retries in the background. Workers on an incomplete
    // cache would see members missing and create them again, so they wait for every list.
    let waitedMs = 0;
    while (!this.hasSynced()) {
      if (this.stopping) return;
      if (waitedMs % 30_000 === 0) logger.warn('waiting for the caches to list their resources; see the watch errors above');
      await new Promise((resolve) => setTimeout(resolve, 500));
      waitedMs += 500;
    }
    logger.info(
      { reserves: caches.reserves.list().length, reserveSets: caches.reserveSets.list().length },
      'caches synced, starting workers',
    );
    this.resyncAll();
    const period = this.options.resyncPeriodMs ?? 5 * 60_000;
    if (period > 0) this.resyncTimer = setInterval(() => this.resyncAll(), period).unref();

    const workers = this.options.workers ?? 4;
    this.running = Promise.all([
      this.run(this.reserveQueue, workers, this.options.reserveController),
      this.run(this.reserveSetQueue, Math.max(1, Math.floor(workers / 2)), this.options.reserveSetController),
    ]).then(() => undefined);
  }

  hasSynced(): boolean {
    const { caches } = this.options;
    return caches.reserves.hasSynced() && caches.reserveSets.hasSynced() && caches.pods.hasSynced() && caches.pvcs.hasSynced();
  }

  /** Makes a start() that still waits for its caches return, so that stop() can follow. */
  cancelStart(): void {
    this.stopping = true;
  }

  /** Stops taking new work, waits for reconciles in flight, then stops the caches. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.resyncTimer);
    this.reserveQueue.shutDown();
    this.reserveSetQueue.shutDown();
    await this.running;
    const { caches } = this.options;
    await Promise.all([caches.reserves.stop(), caches.reserveSets.stop(), caches.pods.stop(), caches.pvcs.stop()]);
  }

  private run(queue: WorkQueue, workers: number, controller: Reconciler): Promise<void> {
    const { logger, observer } = this.options;
    const reconcile: ReconcileFunction = async (key) => {
      const started = performance.now();
      try {
        const result = await controller.reconcile(key);
        const outcome = result.requeueAfterMs === undefined ? 'success' : 'requeue';
        observer?.reconciled(controller.name, (performance.now() - started) / 1000, outcome);
        return result;
      } catch (error) {
        if (isNamespaceTerminating(error)) {
          logger.debug({ controller: controller.name, key }, 'namespace is being deleted; nothing to reconcile');
          observer?.reconciled(controller.name, (performance.now() - started) / 1000, 'success');
          return {};
        }
        observer?.reconciled(controller.name, (performance.now() - started) / 1000, 'error');
        throw error;
      }
    };
    return runWorkers(queue, workers, reconcile, {
      onError: (key, error, retrying) => {
        const [namespace, name] = splitKey(key);
        logger.error({ err: error, controller: controller.name, namespace, name, retrying }, 'reconcile failed');
      },
    });
  }

  private onReserve(type: ChangeType, reserve: Reserve): void {
    this.reserveQueue.add(objectKey(reserve));
    const owner = getControllerOf(reserve.metadata);
    // A claim removes the set's ownerReference in the same write, so the claimed member's
    // event reaches its former set through the claim record.
    const setName = owner?.kind === RESERVESET_KIND ? owner.name : reserve.spec.claim?.reserveSet;
    if (setName) {
      this.options.reserveSetController.observeMember?.(type, reserve);
      this.reserveSetQueue.add(`${reserve.metadata.namespace}/${setName}`);
    }
  }

  private enqueueOwningReserve(object: KubernetesObject): void {
    const reserveName = object.metadata?.labels?.[RESERVE_LABEL];
    if (reserveName) this.reserveQueue.add(`${object.metadata?.namespace}/${reserveName}`);
  }

  private resyncAll(): void {
    for (const reserve of this.options.caches.reserves.list()) this.reserveQueue.add(objectKey(reserve));
    for (const set of this.options.caches.reserveSets.list()) this.reserveSetQueue.add(objectKey(set));
  }
}
