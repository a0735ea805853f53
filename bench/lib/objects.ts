// The objects the benchmark creates. Reserves, ReserveSets and the baselines (ReplicaSets,
// bare Pods) share one container, so any difference comes from the controllers, not from
// the workload.
import { API_VERSION, GROUP, RESERVE_PLURAL, RESERVESET_PLURAL, VERSION } from '../../src/schema/constants.js';
import type { ApiServer, KubeObject } from './apiserver.js';
import { sleep } from './operator-process.js';

export const VOLUME_NAME = 'model-cache';
export const CLAIMER_GROUP = 'bench-claimers';
/** Label on every object the benchmark creates itself, for list and delete selectors. */
export const BENCH_LABEL = 'bench.reserve.w-h-a.io/run';

export const reservesPath = (namespace: string) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${RESERVE_PLURAL}`;
export const reserveSetsPath = (namespace: string) => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${RESERVESET_PLURAL}`;
export const podsPath = (namespace: string) => `/api/v1/namespaces/${namespace}/pods`;
export const replicaSetsPath = (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/replicasets`;

/**
 * Builds the one container of every workload. kwok never pulls the image, and without the
 * simulated-boot-delay annotation it marks a Pod Ready as soon as the Pod is scheduled.
 */
function container() {
  return {
    name: 'main',
    image: 'registry.local/bench-agent:v1',
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
    volumeMounts: [{ name: VOLUME_NAME, mountPath: '/data' }],
  };
}

/**
 * Builds a pod template. With `persistentVolume` the volume comes from a volume claim
 * template of the Reserve. Otherwise it is an emptyDir, as for the baselines, which have no
 * PVCs. terminationGracePeriodSeconds 0 keeps a user-chosen wait out of every pause.
 */
export function podTemplate(app: string, persistentVolume: boolean) {
  const labels: Record<string, string> = { app };
  return {
    metadata: { labels },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [container()],
      ...(persistentVolume ? {} : { volumes: [{ name: VOLUME_NAME, emptyDir: {} }] }),
    },
  };
}

function volumeClaimTemplates() {
  return [{ metadata: { name: VOLUME_NAME }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }];
}

export function reserveSet(name: string, replicas: number) {
  return {
    apiVersion: API_VERSION,
    kind: 'ReserveSet',
    metadata: { name },
    spec: { replicas, template: podTemplate(name, true), volumeClaimTemplates: volumeClaimTemplates() },
  };
}

/** Builds a paused Reserve without volume claim templates, which needs neither a Pod nor a PVC. */
export function pausedReserve(name: string, runLabel: string) {
  return {
    apiVersion: API_VERSION,
    kind: 'Reserve',
    metadata: { name, labels: { [BENCH_LABEL]: runLabel } },
    spec: { paused: true, template: podTemplate('bench-paused', false) },
  };
}

export function replicaSet(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate(name, false) },
  };
}

export function barePod(name: string, runLabel: string) {
  const template = podTemplate('bench-bare', false);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { ...template.metadata.labels, [BENCH_LABEL]: runLabel } },
    spec: template.spec,
  };
}

type Condition = { type?: string; status?: string };

export function hasTrueCondition(object: KubeObject | undefined, type: string): boolean {
  const conditions = (object?.status?.conditions ?? []) as Condition[];
  return conditions.some((condition) => condition.type === type && condition.status === 'True');
}

/**
 * Creates a namespace labelled as the benchmark's and waits for its default ServiceAccount,
 * which Pod admission requires.
 */
export async function createNamespace(api: ApiServer, name: string): Promise<void> {
  await api.ok('POST', '/api/v1/namespaces', { body: { metadata: { name, labels: { [BENCH_LABEL]: 'true' } } } });
  await waitUntil(`ServiceAccount default in namespace ${name}`, 60_000, async () =>
    (await api.get(`/api/v1/namespaces/${name}/serviceaccounts/default`)) !== undefined,
  );
}

/** Deletes a namespace and waits until it is gone; returns false when it is still there at the deadline. */
export async function deleteNamespace(api: ApiServer, name: string, timeoutMs: number): Promise<boolean> {
  const response = await api.request('DELETE', `/api/v1/namespaces/${name}`);
  if (response.status === 404) return true;
  try {
    await waitUntil(`namespace ${name} to be deleted`, timeoutMs, async () => (await api.get(`/api/v1/namespaces/${name}`)) === undefined, 1000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lets CLAIMER_GROUP read and patch Reserves in the namespace (a claim is a patch of
 * spec.paused), and waits until the RBAC authorizer allows it.
 */
export async function grantClaimers(api: ApiServer, namespace: string): Promise<void> {
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
  await api.ok('POST', `${rbac}/roles`, {
    body: {
      metadata: { name: 'bench-claimer' },
      rules: [{ apiGroups: [GROUP], resources: [RESERVE_PLURAL], verbs: ['get', 'list', 'watch', 'patch'] }],
    },
  });
  await api.ok('POST', `${rbac}/rolebindings`, {
    body: {
      metadata: { name: 'bench-claimers' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: CLAIMER_GROUP }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench-claimer' },
    },
  });
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { namespace, verb: 'patch', group: GROUP, resource: RESERVE_PLURAL } },
  };
  await waitUntil(`RBAC to let group ${CLAIMER_GROUP} patch reserves in ${namespace}`, 30_000, async () => {
    const result = await api.ok<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: review,
      impersonate: { user: 'rbac-probe', groups: [CLAIMER_GROUP] },
    });
    return result.status?.allowed === true;
  });
}

/**
 * Waits until the apiserver sends Reserve creations to both webhooks of the operator: a
 * server-side dry run comes back with imagePullPolicy defaulted by the mutating webhook, and
 * one with an undeclared volume mount is rejected by the validating webhook.
 */
export async function waitForWebhooks(api: ApiServer, namespace: string): Promise<void> {
  const path = `${reservesPath(namespace)}?dryRun=All`;
  await waitUntil('the mutating webhook to default Reserves', 30_000, async () => {
    const response = await api.request('POST', path, { body: pausedReserve('webhook-probe', 'probe') });
    const containers = ((response.body as KubeObject).spec?.template as { spec?: { containers?: { imagePullPolicy?: string }[] } })?.spec
      ?.containers;
    return response.status === 201 && containers?.[0]?.imagePullPolicy === 'IfNotPresent';
  });
  const invalid = pausedReserve('webhook-probe', 'probe');
  invalid.spec.template.spec.containers[0]!.volumeMounts = [{ name: 'undeclared-volume', mountPath: '/probe' }];
  await waitUntil('the validating webhook to reject an undeclared volume', 30_000, async () => {
    const response = await api.request('POST', path, { body: invalid });
    return response.status >= 400 && JSON.stringify(response.body).includes('undeclared-volume');
  });
}

/** Polls check until it returns true; throws naming `description` when timeoutMs passes first. */
export async function waitUntil(description: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${description}${detail}`);
}

/**
 * Runs task(i) for i in [0, count) with at most `concurrency` in flight and returns the
 * results in order.
 */
export async function runConcurrently<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export interface PendingEvent {
  /** Resolves with performance.now() at the first matching event; rejects after timeoutMs. Stops the watch either way. */
  wait(timeoutMs: number, description: string): Promise<number>;
  stop(): void;
}

/**
 * Watches a collection until an event's object matches predicate. Call it before the action
 * whose effect it waits for: the watch is open once this resolves.
 */
export async function watchFor(api: ApiServer, collectionPath: string, predicate: (object: KubeObject) => boolean): Promise<PendingEvent> {
  let matchedAt: number | undefined;
  let notify: (() => void) | undefined;
  const watcher = await api.watch(collectionPath, (type, object) => {
    if (matchedAt === undefined && type !== 'DELETED' && predicate(object)) {
      matchedAt = performance.now();
      notify?.();
    }
  });
  return {
    stop: () => watcher.stop(),
    wait: async (timeoutMs, description) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          if (matchedAt !== undefined) return resolve();
          notify = resolve;
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000}s waiting for ${description}`)), timeoutMs);
        });
        return matchedAt!;
      } finally {
        clearTimeout(timer);
        watcher.stop();
      }
    },
  };
}
