// Helpers for the tests of the install manifests. They render the kustomize base, find
// objects in it and evaluate the Deployment's arguments the way the kubelet does. They also
// build a kubeconfig for a ServiceAccount token and capture the operator's logs.
import path from 'node:path';

import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

import { kubectlOk, REPO_ROOT } from './harness.js';

export const MANIFESTS_DIR = path.join(REPO_ROOT, 'manifests');

/** A rendered object: typed enough to address it, the rest read through the typed views below. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: k8s.V1ObjectMeta & { name: string };
  [field: string]: unknown;
}

/** Renders a kustomization directory with the pinned kubectl and returns its objects in order. */
export async function renderKustomization(directory: string = MANIFESTS_DIR): Promise<ManifestObject[]> {
  const output = await kubectlOk(['kustomize', directory]);
  const objects: ManifestObject[] = [];
  for (const document of parseAllDocuments(output)) {
    if (document.errors.length > 0) {
      throw new Error(`kubectl kustomize ${directory} printed invalid YAML: ${document.errors[0]!.message}`);
    }
    const object = document.toJSON() as ManifestObject | null;
    if (object) objects.push(object);
  }
  return objects;
}

/** Returns `<kind>/<name>`, or `<kind>/<namespace>/<name>` for a namespaced object. */
export function objectId(object: ManifestObject): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${object.kind}/${namespace}/${name}` : `${object.kind}/${name}`;
}

/** Returns the only object of that kind and name. Throws with the rendered ids when there is none. */
export function findObject<T>(objects: ManifestObject[], kind: string, name: string): T {
  const matches = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind} ${name} in the manifests, found ${matches.length}; rendered: ${objects.map(objectId).join(', ')}`);
  }
  return matches[0] as T;
}

/** Returns the objects of one kind. */
export function objectsOfKind<T>(objects: ManifestObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as T[];
}

/**
 * Returns the `<apiVersion> <kind>` pairs the apiserver serves among those of the objects,
 * from its discovery documents. A group version it does not serve has no pairs.
 */
export async function servedKinds(objects: ManifestObject[]): Promise<Set<string>> {
  const served = new Set<string>();
  for (const apiVersion of new Set(objects.map((object) => object.apiVersion))) {
    const discoveryPath = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let document: k8s.V1APIResourceList;
    try {
      document = JSON.parse(await kubectlOk(['get', '--raw', discoveryPath])) as k8s.V1APIResourceList;
    } catch (error) {
      if (error instanceof Error && /NotFound|not found|\(404\)/i.test(error.message)) continue;
      throw error;
    }
    for (const resource of document.resources) {
      if (!resource.name.includes('/')) served.add(`${apiVersion} ${resource.kind}`);
    }
  }
  return served;
}

/** Values the kubelet would give the Pod's downward API fields. */
export interface PodFields {
  namespace: string;
  serviceAccountName: string;
}

/**
 * Returns the container's environment as the kubelet builds it: literal values, and the
 * downward API fields metadata.namespace and spec.serviceAccountName. Throws for any other
 * source, which these tests would need to learn first.
 */
export function containerEnvironment(container: k8s.V1Container, pod: PodFields): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      environment[variable.name] = expandReferences(variable.value, environment);
      continue;
    }
    const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath === 'metadata.namespace') environment[variable.name] = pod.namespace;
    else if (fieldPath === 'spec.serviceAccountName') environment[variable.name] = pod.serviceAccountName;
    else throw new Error(`env ${variable.name} of container ${container.name} has a source these tests do not resolve`);
  }
  return environment;
}

/**
 * Expands `$(NAME)` references the way the kubelet does in env values, command and args:
 * a defined variable is replaced, an undefined reference stays as written, and `$$` is a
 * literal `$`.
 */
export function expandReferences(value: string, environment: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return environment[name] ?? match;
  });
}

/**
 * Builds a kubeconfig that authenticates with a bearer token, with the server and CA of the
 * admin kubeconfig, so a client acts exactly as that ServiceAccount.
 */
export function tokenKubeConfig(admin: k8s.KubeConfig, user: string, token: string): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const config = new k8s.KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, caData: cluster.caData, caFile: cluster.caFile, skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return config;
}

/**
 * A pino destination that keeps every log line, so a test can search the operator's logs.
 * Set RESERVE_TEST_LOG_LEVEL to also copy the lines to stderr.
 */
export class LogCapture {
  readonly lines: string[] = [];

  write(line: string): void {
    this.lines.push(line);
    if (process.env.RESERVE_TEST_LOG_LEVEL) process.stderr.write(line);
  }

  /** Returns the lines that carry an HTTP 403 from the apiserver. */
  forbiddenLines(): string[] {
    return this.lines.filter((line) => {
      try {
        return containsForbidden(JSON.parse(line));
      } catch {
        return /\b403\b|Forbidden/.test(line);
      }
    });
  }

  /** Returns the message and error message of the last line at level warn or above. */
  lastWarning(): string | undefined {
    for (const line of [...this.lines].reverse()) {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) >= 40) return entry.err?.message ? `${entry.msg}: ${entry.err.message}` : entry.msg;
    }
    return undefined;
  }

  /** Returns whether a line has this `msg`. */
  hasMessage(message: string): boolean {
    return this.lines.some((line) => (JSON.parse(line) as { msg?: string }).msg === message);
  }
}

// client-node reports a failed request as an ApiException with `code` and the raw Status in
// `body`, and a failed watch as an Error with `statusCode`. pino logs both under `err`.
function containsForbidden(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('HTTP-Code: 403') || /"reason":\s*"Forbidden"/.test(value);
  if (Array.isArray(value)) return value.some(containsForbidden);
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (record.code === 403 || record.statusCode === 403) return true;
  return Object.values(record).some(containsForbidden);
}
