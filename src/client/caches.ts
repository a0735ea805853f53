// The informers the operator needs, cluster-wide or for a list of watched namespaces.
import type { KubernetesListObject, KubernetesObject, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { GROUP, RESERVE_LABEL, RESERVE_PLURAL, RESERVESET_PLURAL, VERSION } from '../schema/constants.js';
import type { Reserve, ReserveSet } from '../schema/types.js';
import { Informer, type ChangeHandler, type Store } from './informer.js';
import type { KubeClient } from './kube-client.js';

export interface CacheOptions {
  /** Namespaces to watch; empty means all namespaces. */
  namespaces: string[];
  logger: Logger;
  /** Artificial delay of watch events, for tests of a lagging cache. */
  lagMs?: number;
}

/** One resource type watched in one or more namespaces, read as a single store. */
export class ResourceCache<T extends KubernetesObject> implements Store<T> {
  constructor(private readonly informers: Map<string, Informer<T>>) {}

  get(namespace: string, name: string): T | undefined {
    return (this.informers.get(namespace) ?? this.informers.get(''))?.get(namespace, name);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) {
      return (this.informers.get(namespace) ?? this.informers.get(''))?.list(namespace) ?? [];
    }
    return [...this.informers.values()].flatMap((informer) => informer.list());
  }

  onChange(handler: ChangeHandler<T>): void {
    for (const informer of this.informers.values()) informer.onChange(handler);
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((informer) => informer.hasSynced());
  }
}

export interface Caches {
  reserves: ResourceCache<Reserve>;
  reserveSets: ResourceCache<ReserveSet>;
  pods: ResourceCache<V1Pod>;
  pvcs: ResourceCache<V1PersistentVolumeClaim>;
}

type ListFunction<T extends KubernetesObject> = (namespace: string) => Promise<KubernetesListObject<T>>;

function cacheFor<T extends KubernetesObject>(
  client: KubeClient,
  options: CacheOptions,
  resource: string,
  pathFor: (namespace: string) => string,
  list: ListFunction<T>,
  labelSelector?: string,
): ResourceCache<T> {
  const namespaces = options.namespaces.length > 0 ? options.namespaces : [''];
  const informers = new Map<string, Informer<T>>();
  for (const namespace of namespaces) {
    informers.set(
      namespace,
      new Informer<T>({
        resource,
        kubeConfig: client.kubeConfig,
        path: pathFor(namespace),
        list: () => list(namespace),
        labelSelector,
        logger: options.logger,
        lagMs: options.lagMs,
      }),
    );
  }
  return new ResourceCache(informers);
}

const scoped = (prefix: string, plural: string) => (namespace: string) =>
  namespace ? `${prefix}/namespaces/${namespace}/${plural}` : `${prefix}/${plural}`;

export function createCaches(client: KubeClient, options: CacheOptions): Caches {
  const crdPrefix = `/apis/${GROUP}/${VERSION}`;
  const listCustom = <T extends KubernetesObject>(plural: string): ListFunction<T> =>
    async (namespace) => {
      const base = { group: GROUP, version: VERSION, plural };
      const result: unknown = namespace
        ? await client.custom.listNamespacedCustomObject({ ...base, namespace })
        : await client.custom.listClusterCustomObject(base);
      return result as KubernetesListObject<T>;
    };
  // Pods and PVCs are watched only when they carry the reserve label, so the operator's
  // memory does not grow with unrelated workloads in the cluster.
  const labelSelector = RESERVE_LABEL;
  return {
    reserves: cacheFor(client, options, RESERVE_PLURAL, scoped(crdPrefix, RESERVE_PLURAL), listCustom<Reserve>(RESERVE_PLURAL)),
    reserveSets: cacheFor(client, options, RESERVESET_PLURAL, scoped(crdPrefix, RESERVESET_PLURAL), listCustom<ReserveSet>(RESERVESET_PLURAL)),
    pods: cacheFor(
      client,
      options,
      'pods',
      scoped('/api/v1', 'pods'),
      (namespace) =>
        namespace
          ? client.core.listNamespacedPod({ namespace, labelSelector })
          : client.core.listPodForAllNamespaces({ labelSelector }),
      labelSelector,
    ),
    pvcs: cacheFor(
      client,
      options,
      'persistentvolumeclaims',
      scoped('/api/v1', 'persistentvolumeclaims'),
      (namespace) =>
        namespace
          ? client.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })
          : client.core.listPersistentVolumeClaimForAllNamespaces({ labelSelector }),
      labelSelector,
    ),
  };
}
