// The MutatingWebhookConfiguration and ValidatingWebhookConfiguration that route Reserve and
// ReserveSet requests to the webhook server, and their server-side apply.
import {
  AdmissionregistrationV1Api,
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1MutatingWebhookConfiguration,
  type V1RuleWithOperations,
  type V1ValidatingWebhookConfiguration,
  type AdmissionregistrationV1WebhookClientConfig,
  type V1LabelSelector,
} from '@kubernetes/client-node';
import { GROUP, RESERVE_PLURAL, RESERVESET_PLURAL, VERSION } from '../schema/constants.js';
import { MUTATE_PATH, VALIDATE_PATH } from './app.js';

/** Where the apiserver sends reviews: a URL outside the cluster, or a Service inside it. */
export type WebhookEndpoint =
  | {
      /** Base URL of the server, e.g. `https://127.0.0.1:9443`; the paths are appended. */
      url: string;
      /** PEM CA certificate that signed the serving certificate. */
      caBundle: string;
    }
  | {
      service: { namespace: string; name: string; port?: number };
      /** PEM CA certificate; leave it out when cert-manager's CA injector fills it in. */
      caBundle?: string;
    };

export interface WebhookRegistrationOptions {
  endpoint: WebhookEndpoint;
  /** The operator's namespace; requests from it are not sent to the webhook. */
  operatorNamespace: string;
  /** Name of both configuration objects. */
  configurationName?: string;
  /** Seconds the apiserver waits for a response before failing the request, 1 to 30. */
  timeoutSeconds?: number;
  /** Annotations for both objects, e.g. `cert-manager.io/inject-ca-from`. */
  annotations?: Record<string, string>;
  fieldManager?: string;
}

export interface WebhookConfigurations {
  mutating: V1MutatingWebhookConfiguration;
  validating: V1ValidatingWebhookConfiguration;
}

export const DEFAULT_CONFIGURATION_NAME = 'reserve';
export const MUTATING_WEBHOOK_NAME = `mutate.${GROUP}`;
export const VALIDATING_WEBHOOK_NAME = `validate.${GROUP}`;
// Long enough for a ReserveSet lookup from the informer cache, short enough that a down
// webhook fails a kubectl command quickly.
const DEFAULT_TIMEOUT_SECONDS = 5;
const DEFAULT_FIELD_MANAGER = 'reserve-operator';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function buildWebhookConfigurations(options: WebhookRegistrationOptions): WebhookConfigurations {
  const metadata = {
    name: options.configurationName ?? DEFAULT_CONFIGURATION_NAME,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  };
  const common = {
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    namespaceSelector: excludedNamespaces(options.operatorNamespace),
  };
  const mutating: V1MutatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        ...common,
        name: MUTATING_WEBHOOK_NAME,
        clientConfig: clientConfig(options.endpoint, MUTATE_PATH),
        // The mutation is idempotent, so running it again after other webhooks is safe and
        // defaults containers they add.
        reinvocationPolicy: 'IfNeeded',
        rules: [rule(['CREATE', 'UPDATE'], [RESERVE_PLURAL, RESERVESET_PLURAL])],
      },
    ],
  };
  const validating: V1ValidatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata,
    webhooks: [
      {
        ...common,
        name: VALIDATING_WEBHOOK_NAME,
        clientConfig: clientConfig(options.endpoint, VALIDATE_PATH),
        rules: [
          rule(['CREATE', 'UPDATE', 'DELETE'], [RESERVE_PLURAL]),
          rule(['CREATE', 'UPDATE'], [RESERVESET_PLURAL]),
          rule(['UPDATE'], [`${RESERVESET_PLURAL}/scale`]),
        ],
      },
    ],
  };
  return { mutating, validating };
}

/** Creates or updates both configurations with server-side apply, leaving fields of other managers (such as an injected caBundle) alone. */
export async function registerWebhooks(kubeConfig: KubeConfig, options: WebhookRegistrationOptions): Promise<void> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const { mutating, validating } = buildWebhookConfigurations(options);
  const name = mutating.metadata?.name ?? DEFAULT_CONFIGURATION_NAME;
  const apply = { fieldManager: options.fieldManager ?? DEFAULT_FIELD_MANAGER, force: true };
  const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  await api.patchValidatingWebhookConfiguration({ name, body: validating, ...apply }, applyPatch);
  await api.patchMutatingWebhookConfiguration({ name, body: mutating, ...apply }, applyPatch);
}

/**
 * Deletes both configurations, for a local run that stops: with failurePolicy Fail, a
 * configuration pointing at a stopped server rejects every Reserve write. Missing objects are fine.
 */
export async function unregisterWebhooks(kubeConfig: KubeConfig, configurationName = DEFAULT_CONFIGURATION_NAME): Promise<void> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  await ignoreNotFound(api.deleteMutatingWebhookConfiguration({ name: configurationName }));
  await ignoreNotFound(api.deleteValidatingWebhookConfiguration({ name: configurationName }));
}

function clientConfig(endpoint: WebhookEndpoint, path: string): AdmissionregistrationV1WebhookClientConfig {
  const caBundle = endpoint.caBundle === undefined ? {} : { caBundle: Buffer.from(endpoint.caBundle).toString('base64') };
  if ('url' in endpoint) {
    return { url: `${endpoint.url.replace(/\/+$/, '')}${path}`, ...caBundle };
  }
  const { namespace, name, port } = endpoint.service;
  return { service: { namespace, name, path, ...(port === undefined ? {} : { port }) }, ...caBundle };
}

function rule(operations: string[], resources: string[]): V1RuleWithOperations {
  return { apiGroups: [GROUP], apiVersions: [VERSION], operations, resources, scope: 'Namespaced' };
}

// A webhook that fails closed must not see requests from the namespaces that run it or the
// cluster itself, or a down webhook can block its own recovery.
function excludedNamespaces(operatorNamespace: string): V1LabelSelector {
  const values = [...new Set(['kube-system', operatorNamespace])];
  return { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'NotIn', values }] };
}

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) {
      throw error;
    }
  }
}
