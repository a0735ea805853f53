// Comparisons of the old and new object of an UPDATE.
import { isDeepStrictEqual } from 'node:util';
import { valueAt } from './object-access.js';

// Metadata that a user or a tool changes on purpose. Others, such as resourceVersion,
// generation and managedFields, are maintained by the apiserver.
const USER_METADATA_FIELDS = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

export function specChanged(oldObject: unknown, newObject: unknown): boolean {
  return !isDeepStrictEqual(valueAt(oldObject, 'spec'), valueAt(newObject, 'spec'));
}

export function userMetadataChanged(oldObject: unknown, newObject: unknown): boolean {
  return USER_METADATA_FIELDS.some(
    (field) => !isDeepStrictEqual(valueAt(oldObject, 'metadata', field), valueAt(newObject, 'metadata', field)),
  );
}

/** True when an UPDATE changes neither the spec nor user metadata, as a repeated or lost write does. */
export function isNoOpUpdate(oldObject: unknown, newObject: unknown): boolean {
  return !specChanged(oldObject, newObject) && !userMetadataChanged(oldObject, newObject);
}

// Metadata that decides when the garbage collector deletes the object, or whether it can.
const LIFECYCLE_METADATA_FIELDS = ['ownerReferences', 'finalizers'] as const;

/** True when an UPDATE changes the ownerReferences or finalizers. */
export function lifecycleMetadataChanged(oldObject: unknown, newObject: unknown): boolean {
  return LIFECYCLE_METADATA_FIELDS.some(
    (field) => !isDeepStrictEqual(valueAt(oldObject, 'metadata', field), valueAt(newObject, 'metadata', field)),
  );
}
