// The install manifests in manifests/ against the local control plane: they render, agree
// with the code they configure, pass a server-side dry-run, and grant the operator enough
// to fill a pool while it runs as their ServiceAccount.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';

import { parseConfig, type OperatorConfig } from '../../src/operator/config.js';
import { Operator } from '../../src/operator/operator.js';
import { GROUP, RESERVE_LABEL, RESERVESET_LABEL } from '../../src/schema/constants.js';
import type { Reserve } from '../../src/schema/types.js';
import { buildWebhookConfigurations } from '../../src/webhook/registration.js';
import { kubeConfig, kubectl, kubectlOk, REPO_ROOT, useNamespace, waitFor } from './setup/harness.js';
import {
  containerEnvironment,
  expandReferences,
  findObject,
  LogCapture,
  MANIFESTS_DIR,
  objectId,
  objectsOfKind,
  renderKustomization,
  servedKinds,
  tokenKubeConfig,
  type ManifestObject,
} from './setup/install-manifests.js';
import { Api, BOOT_DELAY_ANNOTATION, isPodReady, reserveSet, withPodAnnotation } from './setup/objects.js';

const NAMESPACE = 'reserve-system';
const SERVICE_ACCOUNT = 'reserve-operator';
const OPERATOR_USER = `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`;
const WEBHOOK_SERVICE = 'reserve-webhook';
const SERVING_CERTIFICATE = 'reserve-webhook';

// Objects the local control plane cannot serve, because cert-manager's CRDs are not
// installed there. The dry-run tests check that nothing else is left out.
const CERT_MANAGER_OBJECTS = [
  `Certificate/${NAMESPACE}/reserve-ca`,
  `Certificate/${NAMESPACE}/${SERVING_CERTIFICATE}`,
  `Issuer/${NAMESPACE}/reserve-ca`,
  `Issuer/${NAMESPACE}/reserve-selfsigned`,
];

// The objects that make up the operator's identity and permissions, applied for real.
const IDENTITY_KINDS = new Set(['Namespace', 'CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

/** The objects of a manifest set that point at its namespace, read through typed views. */
interface InstallView {
  deployment: k8s.V1Deployment;
  container: k8s.V1Container;
  service: k8s.V1Service;
  disruptionBudget: k8s.V1PodDisruptionBudget;
  mutating: k8s.V1MutatingWebhookConfiguration;
  validating: k8s.V1ValidatingWebhookConfiguration;
  servingCertificate: CertificateObject;
}

interface CertificateObject extends ManifestObject {
  spec: { secretName: string; isCA?: boolean; dnsNames?: string[]; issuerRef: { kind?: string; name: string } };
}

interface IssuerObject extends ManifestObject {
  spec: { selfSigned?: object; ca?: { secretName: string } };
}

function viewOf(objects: ManifestObject[]): InstallView {
  const deployment = findObject<k8s.V1Deployment>(objects, 'Deployment', 'reserve-operator');
  const container = deployment.spec?.template.spec?.containers.find((c) => c.name === 'operator');
  if (!container) throw new Error('Deployment reserve-operator has no container named operator');
  return {
    deployment,
    container,
    service: findObject(objects, 'Service', WEBHOOK_SERVICE),
    disruptionBudget: findObject(objects, 'PodDisruptionBudget', 'reserve-operator'),
    mutating: findObject(objects, 'MutatingWebhookConfiguration', 'reserve'),
    validating: findObject(objects, 'ValidatingWebhookConfiguration', 'reserve'),
    servingCertificate: findObject(objects, 'Certificate', SERVING_CERTIFICATE),
  };
}

/** Parses the Deployment's arguments with the environment the kubelet would give its container. */
function deploymentConfig(view: InstallView, namespace: string): OperatorConfig {
  const pod = { namespace, serviceAccountName: view.deployment.spec?.template.spec?.serviceAccountName ?? 'default' };
  const environment = containerEnvironment(view.container, pod);
  const args = (view.container.args ?? []).map((arg) => expandReferences(arg, environment));
  return parseConfig(args, environment);
}

/** Checks every field that names the install namespace: one wrong value breaks the webhooks. */
function expectNamespaceConsistent(objects: ManifestObject[], namespace: string): void {
  const view = viewOf(objects);
  const config = deploymentConfig(view, namespace);
  expect(config.operatorNamespace).toBe(namespace);
  expect(config.operatorUsername).toBe(`system:serviceaccount:${namespace}:${SERVICE_ACCOUNT}`);
  expect(findObject<ManifestObject>(objects, 'Namespace', namespace).metadata.name).toBe(namespace);

  const namespaced = objects.filter((object) => object.metadata.namespace !== undefined);
  expect(namespaced.filter((object) => object.metadata.namespace !== namespace).map(objectId)).toEqual([]);
  for (const binding of [...objectsOfKind<k8s.V1ClusterRoleBinding>(objects, 'ClusterRoleBinding'), ...objectsOfKind<k8s.V1RoleBinding>(objects, 'RoleBinding')]) {
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace }]);
  }

  expect(view.servingCertificate.spec.dnsNames).toContain(`${WEBHOOK_SERVICE}.${namespace}.svc`);
  for (const configuration of [view.mutating, view.validating]) {
    expect(configuration.metadata?.annotations?.['cert-manager.io/inject-ca-from']).toBe(`${namespace}/${SERVING_CERTIFICATE}`);
    for (const webhook of configuration.webhooks ?? []) {
      expect(webhook.clientConfig.service?.namespace).toBe(namespace);
      expect(webhook.namespaceSelector?.matchExpressions?.[0]?.values).toEqual(['kube-system', namespace]);
    }
  }
}

/** Returns the fenced YAML block of docs/install.md that holds a kustomize overlay with replacements. */
async function namespaceOverlayFromDocs(): Promise<{ namespace: string; resources: string[]; [field: string]: unknown }> {
  const markdown = await readFile(path.join(REPO_ROOT, 'docs', 'install.md'), 'utf8');
  const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const overlay = blocks.find((block) => block.includes('kind: Kustomization') && block.includes('replacements:'));
  if (!overlay) throw new Error('docs/install.md has no yaml block with a Kustomization that uses replacements');
  return parse(overlay) as { namespace: string; resources: string[] };
}

describe('install manifests', () => {
  let objects: ManifestObject[] = [];
  const admin = kubeConfig();
  const core = admin.makeApiClient(k8s.CoreV1Api);

  beforeAll(async () => {
    objects = await renderKustomization();
    // A namespace left by an earlier run may still be terminating, and nothing can be
    // created in it until it is gone.
    await waitFor(
      async () => {
        try {
          const existing = await core.readNamespace({ name: NAMESPACE });
          return existing.metadata?.deletionTimestamp === undefined;
        } catch (error) {
          if ((error as { code?: number }).code === 404) return true;
          throw error;
        }
      },
      { description: `namespace ${NAMESPACE} to be usable`, timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await kubectl(['delete', '--ignore-not-found', '--wait=false', 'clusterrolebinding/reserve-operator', 'clusterrole/reserve-operator']);
    await kubectl(['delete', '--ignore-not-found', '--wait=false', 'namespace', NAMESPACE]);
  });

  describe('rendered base', () => {
    test('contains exactly the expected objects', () => {
      expect(objects.map(objectId).sort()).toEqual(
        [
          `Namespace/${NAMESPACE}`,
          'CustomResourceDefinition/reserves.pool.w-h-a.io',
          'CustomResourceDefinition/reservesets.pool.w-h-a.io',
          `ServiceAccount/${NAMESPACE}/${SERVICE_ACCOUNT}`,
          'ClusterRole/reserve-operator',
          'ClusterRoleBinding/reserve-operator',
          `Role/${NAMESPACE}/reserve-leader-election`,
          `RoleBinding/${NAMESPACE}/reserve-leader-election`,
          `Deployment/${NAMESPACE}/reserve-operator`,
          `PodDisruptionBudget/${NAMESPACE}/reserve-operator`,
          `Service/${NAMESPACE}/${WEBHOOK_SERVICE}`,
          'MutatingWebhookConfiguration/reserve',
          'ValidatingWebhookConfiguration/reserve',
          ...CERT_MANAGER_OBJECTS,
        ].sort(),
      );
    });

    test('CRDs are the generated ones', async () => {
      for (const crd of objectsOfKind<k8s.V1CustomResourceDefinition>(objects, 'CustomResourceDefinition')) {
        const generated = parse(await readFile(path.join(MANIFESTS_DIR, 'crds', `${crd.metadata?.name}.yaml`), 'utf8')) as k8s.V1CustomResourceDefinition;
        expect(crd.spec).toEqual(generated.spec);
      }
    });

    test('namespace is set consistently', () => {
      expectNamespaceConsistent(objects, NAMESPACE);
    });

    test('webhook configurations match registration.ts', () => {
      const view = viewOf(objects);
      const port = view.service.spec?.ports?.[0]?.port;
      const expected = buildWebhookConfigurations({
        endpoint: { service: { namespace: NAMESPACE, name: WEBHOOK_SERVICE, port } },
        operatorNamespace: NAMESPACE,
        annotations: { 'cert-manager.io/inject-ca-from': `${NAMESPACE}/${SERVING_CERTIFICATE}` },
      });
      expect(view.mutating.webhooks).toEqual(expected.mutating.webhooks);
      expect(view.validating.webhooks).toEqual(expected.validating.webhooks);
      expect(view.mutating.metadata?.name).toBe(expected.mutating.metadata?.name);
      expect(view.validating.metadata?.annotations).toEqual(expected.validating.metadata?.annotations);
      expect(view.mutating.metadata?.annotations).toEqual(expected.mutating.metadata?.annotations);
    });

    test('Deployment passes in-cluster flags', () => {
      const view = viewOf(objects);
      const config = deploymentConfig(view, NAMESPACE);
      expect(config.leaderElect).toBe(true);
      expect(config.registerWebhooks).toBe(false);
      expect(config.generateCertificates).toBe(false);
      expect(config.webhookHost).toBe('0.0.0.0');
      expect(config.operatorUsername).toBe(OPERATOR_USER);
      expect(view.deployment.spec?.template.spec?.serviceAccountName).toBe(SERVICE_ACCOUNT);

      const ports = Object.fromEntries((view.container.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(ports.webhook).toBe(config.webhookPort);
      expect(ports.health).toBe(config.healthPort);
      expect(view.service.spec?.ports?.[0]?.targetPort).toBe('webhook');
      expect(view.container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(view.container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    });

    test('Deployment mounts the serving certificate at cert-dir', () => {
      const view = viewOf(objects);
      const config = deploymentConfig(view, NAMESPACE);
      const volume = view.deployment.spec?.template.spec?.volumes?.find((v) => v.secret?.secretName === view.servingCertificate.spec.secretName);
      expect(volume).toBeDefined();
      const mount = view.container.volumeMounts?.find((m) => m.name === volume?.name);
      expect(mount?.mountPath).toBe(config.certDir);
      expect(mount?.readOnly).toBe(true);
      // A subPath mount would never see a renewed certificate.
      expect(mount?.subPath).toBeUndefined();
    });

    test('Deployment is hardened', () => {
      const view = viewOf(objects);
      const podSpec = view.deployment.spec?.template.spec;
      expect(view.deployment.spec?.replicas).toBe(2);
      expect(podSpec?.securityContext?.runAsNonRoot).toBe(true);
      expect(podSpec?.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      const security = view.container.securityContext;
      expect(security?.allowPrivilegeEscalation).toBe(false);
      expect(security?.readOnlyRootFilesystem).toBe(true);
      expect(security?.privileged).toBeUndefined();
      expect(security?.capabilities?.drop).toEqual(['ALL']);
      expect(security?.capabilities?.add).toBeUndefined();
      for (const resource of ['cpu', 'memory']) {
        expect(view.container.resources?.requests?.[resource]).toBeDefined();
        expect(view.container.resources?.limits?.[resource]).toBeDefined();
      }
    });

    test('Service and PodDisruptionBudget select operator Pods', () => {
      const view = viewOf(objects);
      const podLabels = view.deployment.spec?.template.metadata?.labels ?? {};
      expect(view.deployment.spec?.selector.matchLabels).toEqual(view.disruptionBudget.spec?.selector?.matchLabels);
      for (const [key, value] of Object.entries(view.service.spec?.selector ?? {})) expect(podLabels[key]).toBe(value);
      for (const [key, value] of Object.entries(view.disruptionBudget.spec?.selector?.matchLabels ?? {})) expect(podLabels[key]).toBe(value);
      expect(Object.keys(view.service.spec?.selector ?? {}).length).toBeGreaterThan(0);
      expect(view.disruptionBudget.spec?.minAvailable).toBe(1);
    });

    test('serving certificate chains to a self-signed CA', () => {
      const serving = viewOf(objects).servingCertificate;
      const issuers = objectsOfKind<IssuerObject>(objects, 'Issuer');
      const certificates = objectsOfKind<CertificateObject>(objects, 'Certificate');

      expect(serving.spec.isCA ?? false).toBe(false);
      const caIssuer = issuers.find((issuer) => issuer.metadata.name === serving.spec.issuerRef.name);
      expect(serving.spec.issuerRef.kind ?? 'Issuer').toBe('Issuer');
      expect(caIssuer?.spec.ca?.secretName).toBeDefined();
      const caCertificate = certificates.find((certificate) => certificate.spec.secretName === caIssuer?.spec.ca?.secretName);
      expect(caCertificate?.spec.isCA).toBe(true);
      const rootIssuer = issuers.find((issuer) => issuer.metadata.name === caCertificate?.spec.issuerRef.name);
      expect(rootIssuer?.spec.selfSigned).toEqual({});
    });

    test('namespace overlay from install.md renders consistently', async () => {
      const overlay = await namespaceOverlayFromDocs();
      expect(overlay.namespace).not.toBe(NAMESPACE);
      const directory = await mkdtemp(path.join(tmpdir(), 'reserve-overlay-'));
      try {
        // The documented overlay points at the base from its own directory; here it points
        // at the base of this repository.
        overlay.resources = [path.relative(directory, MANIFESTS_DIR)];
        await writeFile(path.join(directory, 'kustomization.yaml'), stringify(overlay));
        const rendered = await renderKustomization(directory);
        expect(rendered.map((object) => object.kind).sort()).toEqual(objects.map((object) => object.kind).sort());
        expectNamespaceConsistent(rendered, overlay.namespace);
        expect(JSON.stringify(rendered)).not.toContain(NAMESPACE);
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });
  });

  describe('on the apiserver', () => {
    // `kubectl apply -k manifests` uses client-side apply, which also stores each object in
    // an annotation with a size limit. Server-side apply is the documented alternative.
    test.each([
      { mode: 'server-side apply', flags: ['--server-side'] },
      { mode: 'client-side apply', flags: [] },
    ])('$mode dry-run accepts all but cert-manager objects', async ({ flags }) => {
      const served = await servedKinds(objects);
      const known = objects.filter((object) => served.has(`${object.apiVersion} ${object.kind}`));
      const unknown = objects.filter((object) => !served.has(`${object.apiVersion} ${object.kind}`));
      if (served.has('cert-manager.io/v1 Certificate')) {
        expect(unknown.map(objectId)).toEqual([]);
      } else {
        expect(unknown.map(objectId).sort()).toEqual([...CERT_MANAGER_OBJECTS].sort());
      }

      // The namespaced objects can only be checked in an existing namespace.
      const namespace = findObject<ManifestObject>(objects, 'Namespace', NAMESPACE);
      await kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(namespace) });
      const list = { apiVersion: 'v1', kind: 'List', items: known };
      const output = await kubectlOk(['apply', ...flags, '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'], {
        input: JSON.stringify(list),
      });
      expect(output.trim().split('\n')).toHaveLength(known.length);
    });
  });

  describe('operator as the installed ServiceAccount', () => {
    const namespace = useNamespace('install');
    const api = new Api(namespace);
    const logs = new LogCapture();
    let operatorConfig: k8s.KubeConfig;
    let operator: Operator | undefined;
    let config: OperatorConfig;

    const token = async (serviceAccount: string, inNamespace: string) =>
      (await kubectlOk(['create', 'token', serviceAccount, '--namespace', inNamespace, '--duration=1h'])).trim();

    const accessReview = (config: k8s.KubeConfig, attributes: k8s.V1ResourceAttributes) =>
      config.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: attributes } } });

    beforeAll(async () => {
      const identity = objects.filter((object) => IDENTITY_KINDS.has(object.kind));
      await kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: identity }) });
      await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/reserves.pool.w-h-a.io', 'crd/reservesets.pool.w-h-a.io']);
      operatorConfig = tokenKubeConfig(admin, SERVICE_ACCOUNT, await token(SERVICE_ACCOUNT, NAMESPACE));
      // The flags and environment of the Deployment. The operator runs without the webhook
      // server (the apiserver could not reach it) and the probe server (it would listen on
      // 0.0.0.0).
      config = { ...deploymentConfig(viewOf(objects), NAMESPACE), logLevel: 'info', resyncPeriodSeconds: 30 };

      // The authorizer learns of new bindings from a watch, so the first requests could be
      // rejected by a cache that is behind: wait until both bindings are in effect.
      await waitFor(
        async () => {
          const cluster = await accessReview(operatorConfig, { group: GROUP, resource: 'reserves', verb: 'watch' });
          const lease = await accessReview(operatorConfig, {
            group: 'coordination.k8s.io',
            resource: 'leases',
            verb: 'update',
            namespace: NAMESPACE,
            name: config.leaseName,
          });
          return cluster.status?.allowed === true && lease.status?.allowed === true;
        },
        { description: `the RBAC bindings of ${OPERATOR_USER} to take effect` },
      );

      operator = new Operator({
        config,
        kubeConfig: operatorConfig,
        logger: pino({ level: config.logLevel }, logs),
        disableWebhooks: true,
        disableHealthServer: true,
      });
      await operator.start();
    });

    afterAll(async () => {
      await operator?.stop();
    });

    test('token authenticates as the operator user', async () => {
      const review = await operatorConfig.makeApiClient(k8s.AuthenticationV1Api).createSelfSubjectReview({ body: {} });
      expect(review.status?.userInfo?.username).toBe(OPERATOR_USER);
    });

    test('operator becomes leader through the Lease', async () => {
      await waitFor(() => logs.hasMessage('became leader'), {
        description: 'the operator to log "became leader"',
        timeoutMs: 60_000,
      }).catch((error: Error) => {
        throw new Error(`${error.message}; last operator warning: ${logs.lastWarning() ?? 'none'}`);
      });
      const lease = await admin.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: NAMESPACE, name: config.leaseName });
      expect(lease.spec?.holderIdentity).toBe(operator?.identity);
      expect(logs.forbiddenLines()).toEqual([]);
    });

    test('ReserveSet fills to 3 warm members', async () => {
      await api.createReserveSet(reserveSet('pool', 3, withPodAnnotation(BOOT_DELAY_ANNOTATION, '1s')));
      const status = await waitFor(
        async () => {
          const current = (await api.getReserveSet('pool'))?.status;
          return current?.warmReplicas === 3 ? current : undefined;
        },
        { description: 'ReserveSet pool to have 3 warm members', timeoutMs: 90_000 },
      );
      expect(status.replicas).toBe(3);
      const members = await api.listReserves(`${RESERVESET_LABEL}=pool`);
      expect(members).toHaveLength(3);
      for (const member of members) expect(member.spec.paused).toBe(true);
      expect(logs.forbiddenLines()).toEqual([]);
    });

    test('bypassed claim is released and the set refills', async () => {
      const set = await api.getReserveSet('pool');
      const [claimed] = await api.listReserves(`${RESERVESET_LABEL}=pool`);
      expect(claimed).toBeDefined();
      const name = claimed!.metadata.name!;
      // The admin unpauses a member directly. No webhook runs, so nothing records a claim
      // and the set controller has to notice and let the member go.
      await api.patchReserve(name, { spec: { paused: false } });

      const released = await waitFor(
        async () => {
          const member = await api.getReserve(name);
          const owned = member?.metadata.ownerReferences?.some((ref) => ref.uid === set?.metadata.uid);
          return member && !owned && member.metadata.labels?.[RESERVESET_LABEL] === undefined ? member : undefined;
        },
        { description: `member ${name} to be released from ReserveSet pool`, timeoutMs: 60_000 },
      );
      expect(released.spec.paused).toBe(false);

      const members = await waitFor(
        async () => {
          const current = await api.getReserveSet('pool');
          const list = await api.listReserves(`${RESERVESET_LABEL}=pool`);
          return current?.status?.warmReplicas === 3 && list.length === 3 ? list : undefined;
        },
        { description: 'ReserveSet pool to refill to 3 warm members', timeoutMs: 90_000 },
      );
      expect(members.map((member: Reserve) => member.metadata.name)).not.toContain(name);

      const pod = await waitFor(
        async () => {
          const current = await api.pod(name);
          return isPodReady(current) ? current : undefined;
        },
        { description: `a Ready Pod for released member ${name}`, timeoutMs: 60_000 },
      );
      expect(pod.metadata?.labels?.[RESERVE_LABEL]).toBe(name);

      const events = await core.listNamespacedEvent({ namespace: namespace() });
      const warning = events.items.find((event) => event.reason === 'ClaimedWithoutWebhook' && event.involvedObject.name === 'pool');
      expect(warning?.type).toBe('Warning');
      expect(logs.forbiddenLines()).toEqual([]);
    });

    test('operator Pod meets restricted Pod Security', async () => {
      const namespaceLabels = findObject<ManifestObject>(objects, 'Namespace', NAMESPACE).metadata.labels;
      expect(namespaceLabels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');

      // Pod Security admission enforces its profile on Pods only, so a Pod built from the
      // template goes through a dry-run. A copy that breaks the profile shows it is enforced.
      const template = viewOf(objects).deployment.spec!.template;
      const pod = (name: string, spec: k8s.V1PodSpec) =>
        JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE, labels: template.metadata?.labels }, spec });
      await kubectlOk(['create', '--dry-run=server', '-f', '-'], { input: pod('operator-check', template.spec!) });

      const escalating = structuredClone(template.spec!);
      escalating.containers[0]!.securityContext = { ...escalating.containers[0]!.securityContext, allowPrivilegeEscalation: true };
      const rejected = await kubectl(['create', '--dry-run=server', '-f', '-'], { input: pod('escalating-check', escalating) });
      expect(rejected.code).not.toBe(0);
      expect(rejected.stderr).toContain('violates PodSecurity "restricted');
    });

    // Permissions the operator must have, and ones it must not have: webhook configurations
    // are static in a cluster, and the operator reads no Secrets.
    const cases: { description: string; attributes: () => k8s.V1ResourceAttributes; allowed: boolean }[] = [
      { description: 'may watch reserves in all namespaces', attributes: () => ({ group: GROUP, resource: 'reserves', verb: 'watch' }), allowed: true },
      { description: 'may delete reserves', attributes: () => ({ group: GROUP, resource: 'reserves', verb: 'delete', namespace: namespace() }), allowed: true },
      { description: 'may update reserveset status', attributes: () => ({ group: GROUP, resource: 'reservesets', subresource: 'status', verb: 'update', namespace: namespace() }), allowed: true },
      { description: 'may create pods', attributes: () => ({ resource: 'pods', verb: 'create', namespace: namespace() }), allowed: true },
      { description: 'may create core events', attributes: () => ({ resource: 'events', verb: 'create', namespace: namespace() }), allowed: true },
      { description: 'may create leases in its namespace', attributes: () => ({ group: 'coordination.k8s.io', resource: 'leases', verb: 'create', namespace: NAMESPACE }), allowed: true },
      { description: 'may not update reserveset spec', attributes: () => ({ group: GROUP, resource: 'reservesets', verb: 'update', namespace: namespace() }), allowed: false },
      { description: 'may not patch pods', attributes: () => ({ resource: 'pods', verb: 'patch', namespace: namespace() }), allowed: false },
      { description: 'may not delete persistentvolumeclaims', attributes: () => ({ resource: 'persistentvolumeclaims', verb: 'delete', namespace: namespace() }), allowed: false },
      { description: 'may not read secrets', attributes: () => ({ resource: 'secrets', verb: 'get', namespace: NAMESPACE }), allowed: false },
      {
        description: 'may not update another lease',
        attributes: () => ({ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: NAMESPACE, name: 'other' }),
        allowed: false,
      },
      {
        description: 'may not update leases elsewhere',
        attributes: () => ({ group: 'coordination.k8s.io', resource: 'leases', verb: 'update', namespace: namespace(), name: 'reserve-operator' }),
        allowed: false,
      },
      {
        description: 'may not create mutating webhooks',
        attributes: () => ({ group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', verb: 'create' }),
        allowed: false,
      },
      {
        description: 'may not patch validating webhooks',
        attributes: () => ({ group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', verb: 'patch', name: 'reserve' }),
        allowed: false,
      },
    ];
    test.each(cases)('operator $description', async ({ attributes, allowed }) => {
      const review = await accessReview(operatorConfig, attributes());
      expect(review.status?.allowed ?? false).toBe(allowed);
    });

    test('log check finds a Forbidden error', async () => {
      // An operator as a ServiceAccount without bindings, to show that the checks above
      // would see a 403 if the operator's role lacked something.
      await kubectlOk(['create', 'serviceaccount', 'unbound', '--namespace', namespace()]);
      const unboundLogs = new LogCapture();
      const unbound = new Operator({
        config: { ...deploymentConfig(viewOf(objects), NAMESPACE), logLevel: 'info', leaseName: 'unbound' },
        kubeConfig: tokenKubeConfig(admin, 'unbound', await token('unbound', namespace())),
        logger: pino({ level: 'info' }, unboundLogs),
        disableWebhooks: true,
        disableHealthServer: true,
      });
      await unbound.start();
      try {
        const lines = await waitFor(() => (unboundLogs.forbiddenLines().length > 0 ? unboundLogs.forbiddenLines() : undefined), {
          description: 'a 403 in the logs of the operator without permissions',
        });
        expect(lines.length).toBeGreaterThan(0);
      } finally {
        await unbound.stop();
      }
    });
  });
});
