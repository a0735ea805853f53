// Builders and readers of reserve objects for integration tests.
import * as k8s from '@kubernetes/client-node';

import { GROUP, RESERVE_LABEL, RESERVE_PLURAL, RESERVESET_PLURAL, VERSION } from '../../../src/schema/constants.js';
import type { Reserve, ReserveSet, ReserveSpec, ReserveSetSpec } from '../../../src/schema/types.js';
import { kubeConfig } from './harness.js';

export const BOOT_DELAY_ANNOTATION = 'reserve.w-h-a.io/simulated-boot-delay';
export const FAILURE_ANNOTATION = 'reserve.w-h-a.io/simulated-failure';

type Modifier<T> = (object: T) => void;

export function podTemplate(image = 'registry.local/agent:v1'): ReserveSpec['template'] {
  return {
    metadata: { labels: { app: 'agent' } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image, volumeMounts: [{ name: 'model-cache', mountPath: '/data' }] }],
    },
  };
}

export function volumeClaimTemplates(): NonNullable<ReserveSpec['volumeClaimTemplates']> {
  return [
    {
      metadata: { name: 'model-cache' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  ];
}

export function reserve(name: string, ...modifiers: Modifier<Reserve>[]): Reserve {
  const object: Reserve = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Reserve',
    metadata: { name },
    spec: { paused: false, template: podTemplate(), volumeClaimTemplates: volumeClaimTemplates() },
  };
  for (const modify of modifiers) modify(object);
  return object;
}

export const withPaused = (paused: boolean): Modifier<Reserve> => (r) => void (r.spec.paused = paused);
export const withRetention = (whenDeleted: 'Delete' | 'Retain'): Modifier<Reserve> => (r) =>
  void (r.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted });
export const withPodAnnotation = (key: string, value: string): Modifier<Reserve | ReserveSet> => (r) => {
  r.spec.template.metadata = { ...r.spec.template.metadata, annotations: { ...r.spec.template.metadata?.annotations, [key]: value } };
};

export function reserveSet(name: string, replicas: number, ...modifiers: Modifier<ReserveSet>[]): ReserveSet {
  const spec: ReserveSetSpec = { replicas, template: podTemplate(), volumeClaimTemplates: volumeClaimTemplates() };
  const object: ReserveSet = { apiVersion: `${GROUP}/${VERSION}`, kind: 'ReserveSet', metadata: { name }, spec };
  for (const modify of modifiers) modify(object);
  return object;
}

/** Typed access to the reserve resources and the Pods and PVCs they own. */
export class Api {
  readonly custom: k8s.CustomObjectsApi;
  readonly core: k8s.CoreV1Api;

  constructor(private readonly namespace: () => string) {
    const config = kubeConfig();
    this.custom = config.makeApiClient(k8s.CustomObjectsApi);
    this.core = config.makeApiClient(k8s.CoreV1Api);
  }

  private crd(plural: string) {
    return { group: GROUP, version: VERSION, plural, namespace: this.namespace() };
  }

  async createReserve(object: Reserve): Promise<Reserve> {
    return (await this.custom.createNamespacedCustomObject({ ...this.crd(RESERVE_PLURAL), body: object })) as Reserve;
  }

  async getReserve(name: string): Promise<Reserve | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ ...this.crd(RESERVE_PLURAL), name })) as Reserve;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async patchReserve(name: string, patch: object): Promise<Reserve> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.crd(RESERVE_PLURAL), name, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as Reserve;
  }

  async deleteReserve(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.crd(RESERVE_PLURAL), name });
  }

  async listReserves(labelSelector?: string): Promise<Reserve[]> {
    const list = (await this.custom.listNamespacedCustomObject({ ...this.crd(RESERVE_PLURAL), labelSelector })) as { items: Reserve[] };
    return list.items;
  }

  async createReserveSet(object: ReserveSet): Promise<ReserveSet> {
    return (await this.custom.createNamespacedCustomObject({ ...this.crd(RESERVESET_PLURAL), body: object })) as ReserveSet;
  }

  async getReserveSet(name: string): Promise<ReserveSet | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ ...this.crd(RESERVESET_PLURAL), name })) as ReserveSet;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async patchReserveSet(name: string, patch: object): Promise<ReserveSet> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...this.crd(RESERVESET_PLURAL), name, body: patch },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as ReserveSet;
  }

  async deleteReserveSet(name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ ...this.crd(RESERVESET_PLURAL), name });
  }

  async pod(name: string): Promise<k8s.V1Pod | undefined> {
    try {
      return await this.core.readNamespacedPod({ name, namespace: this.namespace() });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async podsOf(reserveName: string): Promise<k8s.V1Pod[]> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace(), labelSelector: `${RESERVE_LABEL}=${reserveName}` });
    return list.items;
  }

  async pvc(name: string): Promise<k8s.V1PersistentVolumeClaim | undefined> {
    try {
      return await this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace() });
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async allPods(): Promise<k8s.V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace: this.namespace() })).items;
  }
}

export function isPodReady(pod: k8s.V1Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
