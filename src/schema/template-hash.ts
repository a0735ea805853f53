// The template hash names the version of a pod template and its volume claim templates.
// The webhook and both controllers compare these hashes, so the function must return the same
// value for the same template however its keys are ordered or however it was decoded.

import { createHash } from 'node:crypto';
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import type { VolumeClaimTemplate } from './types.js';

/** Number of hex characters kept from the SHA-256 digest: 40 bits, short enough for a label. */
export const TEMPLATE_HASH_LENGTH = 10;

/**
 * Returns a short hex hash of a pod template and its volume claim templates.
 *
 * The input is serialized as JSON with object keys sorted and undefined values dropped, so
 * key order does not matter. A missing volumeClaimTemplates hashes like an empty list, the
 * schema default. Array order matters, as it does to Kubernetes.
 */
export function computeTemplateHash(
  template: V1PodTemplateSpec,
  volumeClaimTemplates: readonly VolumeClaimTemplate[] | undefined,
): string {
  const canonical = canonicalJson({ template, volumeClaimTemplates: volumeClaimTemplates ?? [] });
  return createHash('sha256').update(canonical).digest('hex').slice(0, TEMPLATE_HASH_LENGTH);
}

/** Serializes value as JSON with the keys of every object sorted. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    return value;
  }
  // Dates and other values with their own JSON form, as client-node decodes timestamps.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: () => unknown }).toJSON();
  }
  if (Array.isArray(value)) {
    return value.map((item) => (item === undefined ? null : sortKeys(item)));
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined) {
      sorted[key] = sortKeys(field);
    }
  }
  return sorted;
}
