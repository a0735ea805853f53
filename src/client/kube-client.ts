// Typed writes and reads for the resources reserve manages. Controllers read through
// informers and write through this client; every write is reported to onWrite for metrics.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1PersistentVolumeClaim,
  type V1Pod,
} from '@kubernetes/client-node';

import { GROUP, RESERVE_PLURAL, RESERVESET_PLURAL, VERSION } from '../schema/constants.js';
import type { Reserve, ReserveSet } from '../schema/types.js';

export type WriteVerb = 'create' | 'update' | 'patch' | 'delete';
export type WriteObserver = (verb: WriteVerb, resource: string) => void;

export const FIELD_MANAGER = 'reserve-operator';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Deletion preconditions: the delete fails with 409 Conflict if the object was replaced. */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export class KubeClient {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly coordination: CoordinationV1Api;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly onWrite: WriteObserver = () => undefined,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async createReserve(reserve: Reserve): Promise<Reserve> {
    this.onWrite('create', RESERVE_PLURAL);
    const namespace = reserve.metadata.namespace ?? 'default';
    return (await this.custom.createNamespacedCustomObject({
      ...this.crd(RESERVE_PLURAL, namespace),
      body: reserve,
      fieldManager: FIELD_MANAGER,
    })) as Reserve;
  }

  async patchReserve(namespace: string, name: string, patch: object): Promise<Reserve> {
    this.onWrite('patch', RESERVE_PLURAL);
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.crd(RESERVE_PLURAL, namespace), name, body: patch, fieldManager: FIELD_MANAGER },
      mergePatch,
    )) as Reserve;
  }

  /**
   * Replaces the status of a Reserve. The resourceVersion of `reserve` makes the write fail
   * with 409 Conflict when the cached copy is stale, so a status is never computed from one
   * version of the object and written over a newer one.
   */
  async updateReserveStatus(reserve: Reserve): Promise<Reserve> {
    this.onWrite('update', `${RESERVE_PLURAL}/status`);
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      ...this.crd(RESERVE_PLURAL, reserve.metadata.namespace!),
      name: reserve.metadata.name!,
      body: reserve,
      fieldManager: FIELD_MANAGER,
    })) as Reserve;
  }

  async deleteReserve(namespace: string, name: string, preconditions: DeletePreconditions = {}): Promise<void> {
    this.onWrite('delete', RESERVE_PLURAL);
    await this.custom.deleteNamespacedCustomObject({
      ...this.crd(RESERVE_PLURAL, namespace),
      name,
      body: { preconditions, propagationPolicy: 'Background' },
    });
  }

  async getReserveSet(namespace: string, name: string): Promise<ReserveSet> {
    return (await this.custom.getNamespacedCustomObject({ ...this.crd(RESERVESET_PLURAL, namespace), name })) as ReserveSet;
  }

  async updateReserveSetStatus(set: ReserveSet): Promise<ReserveSet> {
    this.onWrite('update', `${RESERVESET_PLURAL}/status`);
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      ...this.crd(RESERVESET_PLURAL, set.metadata.namespace!),
      name: set.metadata.name!,
      body: set,
      fieldManager: FIELD_MANAGER,
    })) as ReserveSet;
  }

  async createPod(pod: V1Pod): Promise<V1Pod> {
    this.onWrite('create', 'pods');
    return this.core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod, fieldManager: FIELD_MANAGER });
  }

  /** Deletes a Pod gracefully: the Pod's own terminationGracePeriodSeconds applies. */
  async deletePod(namespace: string, name: string, preconditions: DeletePreconditions = {}): Promise<void> {
    this.onWrite('delete', 'pods');
    await this.core.deleteNamespacedPod({ namespace, name, body: { preconditions } });
  }

  async createPvc(pvc: V1PersistentVolumeClaim): Promise<V1PersistentVolumeClaim> {
    this.onWrite('create', 'persistentvolumeclaims');
    return this.core.createNamespacedPersistentVolumeClaim({
      namespace: pvc.metadata!.namespace!,
      body: pvc,
      fieldManager: FIELD_MANAGER,
    });
  }

  async patchPvc(namespace: string, name: string, patch: object): Promise<V1PersistentVolumeClaim> {
    this.onWrite('patch', 'persistentvolumeclaims');
    return this.core.patchNamespacedPersistentVolumeClaim(
      { namespace, name, body: patch, fieldManager: FIELD_MANAGER },
      mergePatch,
    );
  }

  async deletePvc(namespace: string, name: string, preconditions: DeletePreconditions): Promise<void> {
    this.onWrite('delete', 'persistentvolumeclaims');
    await this.core.deleteNamespacedPersistentVolumeClaim({ namespace, name, body: { preconditions } });
  }

  async createEvent(event: CoreV1Event): Promise<void> {
    this.onWrite('create', 'events');
    await this.core.createNamespacedEvent({ namespace: event.metadata.namespace!, body: event });
  }

  private crd(plural: string, namespace: string) {
    return { group: GROUP, version: VERSION, plural, namespace };
  }
}
