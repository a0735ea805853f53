// Defaults for the pod template and volume claim templates of a Reserve or ReserveSet.
//
// The set is kept small on purpose. Fields a webhook adds show up as drift in GitOps diffs
// that do not use server-side diff, and every default changes what a user's template means.
// Only two things are defaulted:
// - the `pool.w-h-a.io/reserve` label, so Pods and PVCs can be selected by Reserve;
// - imagePullPolicy IfNotPresent, because a resume should start from the image cached on the
//   node; Kubernetes would pick Always for an untagged or `:latest` image.
// Other Pod fields (terminationGracePeriodSeconds, enableServiceLinks, restartPolicy) keep
// their Kubernetes defaults, which suit a long-running Pod that is paused by deletion.
import { RESERVE_KIND, RESERVE_LABEL } from '../schema/constants.js';
import { isRecord, type Operation } from './admission-review.js';
import type { JsonPatchBuilder } from './json-patch.js';
import { arrayAt, recordAt, stringAt, templateContainers } from './object-access.js';

export const DEFAULT_IMAGE_PULL_POLICY = 'IfNotPresent';

/**
 * Applies the defaults of the object in the builder; `kind` is Reserve or ReserveSet.
 * `oldObject` is the stored object of an UPDATE.
 */
export function applyDefaults(builder: JsonPatchBuilder, kind: string, operation: Operation, oldObject?: unknown): void {
  defaultImagePullPolicies(builder);
  if (kind === RESERVE_KIND) {
    labelTemplates(builder, operation, oldObject);
  }
}

function defaultImagePullPolicies(builder: JsonPatchBuilder): void {
  for (const { list, index, container } of templateContainers(builder.get(['spec']))) {
    if (container.imagePullPolicy === undefined || container.imagePullPolicy === '') {
      builder.set(['spec', 'template', 'spec', list, index, 'imagePullPolicy'], DEFAULT_IMAGE_PULL_POLICY);
    }
  }
}

/**
 * Adds the Reserve label to the pod template and, on CREATE, to each volume claim template.
 * Volume claim templates are immutable after creation, so an UPDATE only puts back the label
 * where the stored template has it: a replace with the manifest as written drops it, and the
 * immutability check would reject that.
 * A CREATE with generateName has no name yet; the first UPDATE then labels the pod template.
 */
function labelTemplates(builder: JsonPatchBuilder, operation: Operation, oldObject: unknown): void {
  const name = builder.get(['metadata', 'name']);
  if (typeof name !== 'string' || name === '') {
    return;
  }
  if (recordAt(builder.get(['spec']), 'template') !== undefined) {
    builder.set(['spec', 'template', 'metadata', 'labels', RESERVE_LABEL], name);
  }
  const oldTemplates = arrayAt(oldObject, 'spec', 'volumeClaimTemplates');
  arrayAt(builder.get(['spec']), 'volumeClaimTemplates').forEach((template, index) => {
    const labeled = operation === 'CREATE' || stringAt(oldTemplates[index], 'metadata', 'labels', RESERVE_LABEL) === name;
    if (isRecord(template) && labeled) {
      builder.set(['spec', 'volumeClaimTemplates', index, 'metadata', 'labels', RESERVE_LABEL], name);
    }
  });
}
