import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

/** The fields of an owner that an ownerReference to it needs. */
export interface OwnerObject {
  apiVersion: string;
  kind: string;
  metadata: V1ObjectMeta;
}

/**
 * Returns the controller ownerReference to owner. blockOwnerDeletion makes a foreground
 * deletion of the owner wait for this child. Throws if owner has no name or UID yet, because
 * a reference without a UID would be rejected by the apiserver.
 */
export function controllerReference(owner: OwnerObject): V1OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid) {
    throw new Error(`cannot reference ${owner.kind} "${name ?? ''}" as owner: name and uid are required`);
  }
  return { apiVersion: owner.apiVersion, kind: owner.kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** Returns the ownerReference with controller true, if any; Kubernetes allows at most one. */
export function getControllerOf(metadata: V1ObjectMeta | undefined): V1OwnerReference | undefined {
  return metadata?.ownerReferences?.find((reference) => reference.controller === true);
}

/** Returns whether the object's controller is the owner with this UID. */
export function isControlledBy(metadata: V1ObjectMeta | undefined, ownerUid: string | undefined): boolean {
  return ownerUid !== undefined && getControllerOf(metadata)?.uid === ownerUid;
}
