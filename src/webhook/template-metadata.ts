// Checks of the pod template's metadata that the apiserver would otherwise make only when the
// controller creates the Pod, long after the user applied the template.
import type { FieldError } from './field-errors.js';
import { valueAt } from './object-access.js';

/** The apiserver's limit on the total size of an object's annotations, keys and values together. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/**
 * Checks that the template's annotations fit the apiserver's limit for a Pod, measured as it
 * measures them: the UTF-8 bytes of every key and value.
 */
export function validateTemplateAnnotations(spec: unknown): FieldError[] {
  const annotations = valueAt(spec, 'template', 'metadata', 'annotations');
  if (annotations === null || typeof annotations !== 'object') {
    return [];
  }
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : '');
  }
  if (bytes <= MAX_ANNOTATIONS_BYTES) {
    return [];
  }
  return [
    {
      path: 'spec.template.metadata.annotations',
      type: 'FieldValueTooLong',
      value: undefined,
      message:
        `must have at most ${MAX_ANNOTATIONS_BYTES} bytes (has ${bytes}): the Pod built from this template ` +
        'would be rejected; move large data into a ConfigMap or a volume',
    },
  ];
}
