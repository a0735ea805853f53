// Runs the operator with its admission webhooks registered in the local cluster, and gives
// impersonated test users the RBAC they need to act on reserves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as k8s from '@kubernetes/client-node';

import type { OperatorConfig } from '../../../src/operator/config.js';
import type { Operator } from '../../../src/operator/operator.js';
import { GROUP, RESERVE_PLURAL, RESERVESET_LABEL, RESERVESET_PLURAL } from '../../../src/schema/constants.js';
import type { Reserve } from '../../../src/schema/types.js';
import { kubeConfig, kubectl, waitFor, type KubectlResult } from './harness.js';
import { reserve, type Api } from './objects.js';
import { startOperator } from './operator.js';

/** Group of the users who claim warm Reserves. */
export const CLAIMER_GROUP = 'agent-users';
/** Group the test operator treats as admins: its members may change any claimed Reserve. */
export const ADMIN_GROUP = 'reserve-admins';

export const MUTATING_WEBHOOK = `mutate.${GROUP}`;
export const VALIDATING_WEBHOOK = `validate.${GROUP}`;

export interface WebhookOperator {
  operator: Operator;
  /** Stops the operator, which removes its webhook configurations, and deletes its certificates. */
  stop(): Promise<void>;
}

/**
 * Starts an operator whose controllers watch `namespaces` and whose webhooks, registered at
 * https://127.0.0.1:<random port> with freshly generated certificates, serve every namespace
 * but kube-system and the operator's own. Resolves once the apiserver calls both webhooks
 * for requests in `probeNamespace`.
 */
export async function startWebhookOperator(
  namespaces: string[],
  probeNamespace: string,
  config: Partial<OperatorConfig> = {},
): Promise<WebhookOperator> {
  const certDir = await mkdtemp(path.join(tmpdir(), 'reserve-webhook-certs-'));
  const operator = await startOperator(namespaces, {
    disableWebhooks: false,
    config: {
      registerWebhooks: true,
      generateCertificates: true,
      certDir,
      webhookHost: '127.0.0.1',
      webhookPort: 0,
      adminGroups: [ADMIN_GROUP],
      ...config,
    },
  });
  const stop = async (): Promise<void> => {
    // NOTE: this sometimes takes about 85 s. The webhook server's close() waits for every TLS
    // connection, and one that kube-apiserver opened but never sent a request on stays open
    // until the apiserver closes it as idle.
    await operator.stop();
    await rm(certDir, { recursive: true, force: true });
  };
  try {
    await waitForWebhooks(probeNamespace);
  } catch (error) {
    await stop();
    throw error;
  }
  return { operator, stop };
}

/**
 * Waits until the apiserver sends Reserve requests in `namespace` to both webhooks. The
 * apiserver reads webhook configurations from an informer, so a new registration takes effect
 * a moment later. The probes are server-side dry runs and store nothing.
 */
export async function waitForWebhooks(namespace: string): Promise<void> {
  const rejected = reserve('webhook-probe');
  rejected.spec.template.spec!.containers[0]!.volumeMounts = [{ name: 'undeclared-volume', mountPath: '/probe' }];
  await waitFor(
    async () => {
      const result = await kubectl(['create', '--dry-run=server', '-f', '-'], { namespace, input: JSON.stringify(rejected) });
      return result.code !== 0 && result.stderr.includes('undeclared-volume');
    },
    { description: `the validating webhook to reject Reserves in namespace ${namespace}` },
  );
  await waitFor(
    async () => {
      const result = await kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-'], {
        namespace,
        input: JSON.stringify(reserve('webhook-probe')),
      });
      if (result.code !== 0) return false;
      const created = JSON.parse(result.stdout) as Reserve;
      return created.spec.template.spec?.containers[0]?.imagePullPolicy === 'IfNotPresent';
    },
    { description: `the mutating webhook to default Reserves in namespace ${namespace}` },
  );
}

/**
 * Lets the groups CLAIMER_GROUP and ADMIN_GROUP read, change and delete reserves and read and
 * scale reservesets in `namespace`, and waits until the RBAC authorizer allows it. Anything
 * the webhooks deny is then denied by them, not by RBAC.
 */
export async function grantReserveAccess(namespace: string): Promise<void> {
  const rbac = kubeConfig().makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'reserve-users' },
      rules: [
        { apiGroups: [GROUP], resources: [RESERVE_PLURAL], verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete'] },
        { apiGroups: [GROUP], resources: [RESERVESET_PLURAL, `${RESERVESET_PLURAL}/scale`], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'reserve-users' },
      subjects: [CLAIMER_GROUP, ADMIN_GROUP].map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name })),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reserve-users' },
    },
  });
  for (const group of [CLAIMER_GROUP, ADMIN_GROUP]) {
    await waitFor(
      async () => {
        const result = await kubectl(['auth', 'can-i', 'delete', `${RESERVE_PLURAL}.${GROUP}`], {
          namespace,
          as: 'rbac-probe',
          asGroups: [group],
        });
        return result.stdout.trim() === 'yes';
      },
      { description: `RBAC to allow group ${group} to delete reserves in namespace ${namespace}` },
    );
  }
}

/** Unpauses a Reserve as `user` in CLAIMER_GROUP: the claim request a user makes. */
export function claimAs(user: string, name: string, namespace: string): Promise<KubectlResult> {
  return kubectl(['patch', 'reserve', name, '--type', 'merge', '-p', '{"spec":{"paused":false}}'], {
    namespace,
    as: user,
    asGroups: [CLAIMER_GROUP],
  });
}

/** Returns whether a Reserve is a warm member: paused after its first boot, with no Pod left. */
export function isWarm(member: Reserve): boolean {
  return (
    member.spec.paused === true &&
    member.status?.phase === 'Paused' &&
    member.status.firstReadyTime !== undefined &&
    member.metadata.deletionTimestamp === undefined
  );
}

/** Waits until the set has `count` warm members and returns their names, sorted. */
export async function waitForWarmMembers(api: Api, setName: string, count: number, timeoutMs = 60_000): Promise<string[]> {
  return waitFor(
    async () => {
      const members = await api.listReserves(`${RESERVESET_LABEL}=${setName}`);
      const warm = members.filter(isWarm).map((member) => member.metadata.name!);
      return warm.length === count ? warm.sort() : undefined;
    },
    { description: `${count} warm members of ReserveSet ${setName}`, timeoutMs },
  );
}
