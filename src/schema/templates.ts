// Schemas of the pod template and the volume claim templates, built on the Kubernetes
// schemas in ./k8s with the few changes a Reserve makes to them.

import { KUBERNETES_SCHEMA_VERSION, persistentVolumeClaimSpecSchema, podSpecSchema } from './kubernetes.js';
import {
  array,
  external,
  named,
  object,
  string,
  stringMap,
  type JSONSchemaProps,
  type ValidationRule,
} from './openapi.js';

export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/**
 * Maximum number of volume claim templates. It bounds the cost of the rule that keeps their
 * names unique, which compares every pair.
 */
export const MAX_VOLUME_CLAIM_TEMPLATES = 32;

/**
 * Maximum length of a volume claim template name, a DNS-1123 label. The PVC is named
 * `<template>-<reserve>`, so with a Reserve name of at most 63 characters the PVC name stays
 * within 63 + 1 + 63 = 127 characters, below the 253 that an object name allows.
 */
export const MAX_VOLUME_CLAIM_TEMPLATE_NAME_LENGTH = 63;

/** Maximum length of a PersistentVolumeClaim name, a DNS-1123 subdomain. */
export const MAX_PERSISTENT_VOLUME_CLAIM_NAME_LENGTH = 253;

export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const VOLUME_CLAIM_TEMPLATES_IMMUTABLE: ValidationRule = {
  rule: 'self == oldSelf',
  message:
    'spec.volumeClaimTemplates is immutable: delete and recreate the Reserve to change its volumes',
};

export const VOLUME_CLAIM_TEMPLATE_NAMES_UNIQUE: ValidationRule = {
  rule: 'self.all(t, self.exists_one(u, u.metadata.name == t.metadata.name))',
  message: 'spec.volumeClaimTemplates[].metadata.name must be unique: each name becomes one PVC',
};

export const EPHEMERAL_CONTAINERS_FORBIDDEN: ValidationRule = {
  rule: 'size(self) == 0',
  message:
    'spec.template.spec.ephemeralContainers is not allowed in a pod template: ' +
    'add ephemeral containers to the running Pod with kubectl debug',
  reason: 'FieldValueForbidden',
};

export function podTemplateSchema(): JSONSchemaProps {
  const metadata = named(
    'PodTemplateMetadata',
    object('Labels and annotations copied onto the Pod. Other metadata fields are not allowed.', {
      labels: stringMap('Labels of the Pod, added to the ones reserve sets.'),
      annotations: stringMap('Annotations of the Pod.'),
    }),
  );
  const spec = external('V1PodSpec', {
    description:
      `Specification of the Pod, validated with the Kubernetes ${KUBERNETES_SCHEMA_VERSION} PodSpec schema. ` +
      'Run `kubectl explain pod.spec` for the documentation of its fields.',
    ...podSpecSchema(),
  });
  defaultImagePullPolicy(spec, 'containers');
  defaultImagePullPolicy(spec, 'initContainers');
  forbidEphemeralContainers(spec);

  return named(
    'PodTemplate',
    object(
      'Template of the Pod that runs while the Reserve is not paused. ' +
        `It uses the Kubernetes ${KUBERNETES_SCHEMA_VERSION} PodTemplateSpec schema; ` +
        '`kubectl explain pod.spec` documents its spec.',
      { metadata, spec },
      { required: ['spec'] },
    ),
  );
}

/**
 * A resumed Pod must start from the image the node already has, so a Reserve defaults
 * imagePullPolicy to IfNotPresent, where the Pod API defaults an image tagged `latest` or
 * untagged to Always.
 */
function defaultImagePullPolicy(podSpec: JSONSchemaProps, list: 'containers' | 'initContainers'): void {
  const container = podSpec.properties?.[list]?.items;
  if (container?.properties === undefined) {
    throw new Error(`the PodSpec schema has no ${list}[]: run hack/update-k8s-schema.ts`);
  }
  container.properties.imagePullPolicy = string(
    'When the kubelet pulls the image: Always, IfNotPresent or Never. Defaults to IfNotPresent ' +
      'in a Reserve, whatever the tag, so that a resumed Pod starts from the image the node ' +
      'already has.',
    { enum: [...IMAGE_PULL_POLICIES], default: 'IfNotPresent' },
  );
}

/**
 * The Pod API rejects ephemeral containers in a pod template and on Pod creation, so the
 * field keeps a minimal schema whose only purpose is a clear rejection.
 */
function forbidEphemeralContainers(podSpec: JSONSchemaProps): void {
  podSpec.properties!.ephemeralContainers = array(
    'Not allowed in a pod template.',
    { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    { 'x-kubernetes-validations': [EPHEMERAL_CONTAINERS_FORBIDDEN] },
  );
}

export function volumeClaimTemplatesSchema(options: { description: string; immutable: boolean }): JSONSchemaProps {
  const metadata = named(
    'VolumeClaimTemplateMetadata',
    object(
      'Name, labels and annotations of the PersistentVolumeClaim. Other metadata fields are not allowed.',
      {
        name: string(
          'Template name, a DNS-1123 label. The PVC is named `<name>-<reserve>`, and a container ' +
            'can mount it under this name without declaring a volume, as in a StatefulSet.',
          { maxLength: MAX_VOLUME_CLAIM_TEMPLATE_NAME_LENGTH, pattern: DNS1123_LABEL_PATTERN },
        ),
        labels: stringMap('Labels of the PVC, added to the ones reserve sets.'),
        annotations: stringMap('Annotations of the PVC.'),
      },
      { required: ['name'] },
    ),
  );
  const spec = external('V1PersistentVolumeClaimSpec', {
    description:
      `Specification of the PVC, validated with the Kubernetes ${KUBERNETES_SCHEMA_VERSION} ` +
      'PersistentVolumeClaimSpec schema. Run `kubectl explain persistentvolumeclaim.spec` for its fields.',
    ...persistentVolumeClaimSpecSchema(),
  });

  const template = named(
    'VolumeClaimTemplate',
    object('One PersistentVolumeClaim of the Reserve.', { metadata, spec }, { required: ['metadata', 'spec'] }),
  );
  const rules = [VOLUME_CLAIM_TEMPLATE_NAMES_UNIQUE];
  if (options.immutable) rules.unshift(VOLUME_CLAIM_TEMPLATES_IMMUTABLE);
  return array(options.description, template,
    { default: [], maxItems: MAX_VOLUME_CLAIM_TEMPLATES, 'x-kubernetes-validations': rules },
  );
}
