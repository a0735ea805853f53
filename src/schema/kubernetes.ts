// Structural schemas of the Kubernetes types that reserve embeds, converted from the
// upstream OpenAPI document by hack/update-k8s-schema.ts.

import coreV1 from './k8s/core-v1.json' with { type: 'json' };
import type { JSONSchemaProps } from './openapi.js';

/** The Kubernetes release the embedded schemas come from, for example `v1.37.2`. */
export const KUBERNETES_SCHEMA_VERSION: string = coreV1.source.version;

/** Returns a fresh copy of the PodSpec schema that the caller may change. */
export function podSpecSchema(): JSONSchemaProps {
  return structuredClone(coreV1.schemas.PodSpec) as JSONSchemaProps;
}

/** Returns a fresh copy of the PersistentVolumeClaimSpec schema that the caller may change. */
export function persistentVolumeClaimSpecSchema(): JSONSchemaProps {
  return structuredClone(coreV1.schemas.PersistentVolumeClaimSpec) as JSONSchemaProps;
}
