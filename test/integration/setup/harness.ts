// Helpers for integration tests against the local control plane started by global-setup.ts.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import * as k8s from '@kubernetes/client-node';

import { KUBECONFIG_PATH, readState, REPO_ROOT } from '../../../hack/cluster/cluster.js';

export { REPO_ROOT };

export function kubeConfig(): k8s.KubeConfig {
  const config = new k8s.KubeConfig();
  config.loadFromFile(KUBECONFIG_PATH);
  return config;
}

export function binDir(): string {
  const state = readState();
  if (!state) throw new Error('the local cluster is not up: run npm run cluster:up');
  return state.binDir;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface KubectlOptions {
  input?: string;
  /** Impersonated user (`kubectl --as`); the admin certificate may impersonate anyone. */
  as?: string;
  asGroups?: string[];
  namespace?: string;
}

/** Runs the pinned kubectl against the local cluster; never throws on a non-zero exit. */
export function kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const fullArgs = ['--kubeconfig', KUBECONFIG_PATH];
  if (options.namespace) fullArgs.push('--namespace', options.namespace);
  if (options.as) fullArgs.push('--as', options.as);
  for (const group of options.asGroups ?? []) fullArgs.push('--as-group', group);
  fullArgs.push(...args);
  return new Promise((resolve) => {
    const child = execFile(
      path.join(binDir(), 'kubectl'),
      fullArgs,
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs kubectl and throws with its stderr when it fails. */
export async function kubectlOk(args: string[], options: KubectlOptions = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}

/** Applies the generated CRDs with server-side apply and waits until they are Established. */
export async function installCrds(): Promise<void> {
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', path.join(REPO_ROOT, 'manifests', 'crds')]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', path.join(REPO_ROOT, 'manifests', 'crds')]);
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  description: string;
}

/**
 * Polls fn until it returns a value other than undefined or false, and returns that value.
 * On timeout the error names what was awaited and the last value or error seen.
 */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
  const detail = last instanceof Error ? last.message : JSON.stringify(last);
  throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.description}; last: ${detail}`);
}

/**
 * Gives the tests of a describe block their own namespace: created in beforeAll (once its
 * default ServiceAccount exists, which Pod admission requires) and deleted in afterAll.
 * Returns a getter because the name is known only once beforeAll ran.
 */
export function useNamespace(prefix: string): () => string {
  let name = '';
  beforeAll(async () => {
    name = `${prefix}-${randomBytes(3).toString('hex')}`;
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name, labels: { 'reserve.w-h-a.io/test': 'true' } } } });
    await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }).then(() => true), {
      description: `ServiceAccount default in namespace ${name}`,
    });
  });
  afterAll(async () => {
    if (!name) return;
    const core = kubeConfig().makeApiClient(k8s.CoreV1Api);
    await core.deleteNamespace({ name }).catch(() => undefined);
  });
  return () => name;
}
