// The PersistentVolumeClaims of a Reserve: one per volume claim template, named like a
// StatefulSet's, `<template>-<reserve>`.
//
// Ownership follows spec.persistentVolumeClaimRetentionPolicy.whenDeleted, as in a StatefulSet:
// under Delete the PVC carries a controller ownerReference to the Reserve, so the garbage
// collector deletes it with the Reserve; under Retain it carries none, so it survives. In both
// cases RESERVE_UID_ANNOTATION records which Reserve created it. A PVC of the right name
// created for anything else is foreign and is never adopted, because it may hold someone
// else's data.

import type { V1OwnerReference, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { GROUP, RESERVE_LABEL } from '../../schema/constants.js';
import type { Reserve } from '../../schema/types.js';
import { controllerReference, getControllerOf } from '../owner.js';

/** Annotation on a PVC with the UID of the Reserve that created it. */
export const RESERVE_UID_ANNOTATION = `${GROUP}/reserve-uid`;

export type PvcOwnership = 'owned' | 'foreign';

export function pvcName(templateName: string, reserveName: string): string {
  return `${templateName}-${reserveName}`;
}

/** Returns the names of the PVCs of reserve, in the order of its volume claim templates. */
export function pvcNames(reserve: Reserve): string[] {
  const reserveName = reserve.metadata.name ?? '';
  return (reserve.spec.volumeClaimTemplates ?? []).map((template) =>
    pvcName(template.metadata.name, reserveName),
  );
}

/** Builds the PVCs of reserve, in the order of its volume claim templates. */
export function buildPvcs(reserve: Reserve): V1PersistentVolumeClaim[] {
  const reserveName = reserve.metadata.name ?? '';
  return (reserve.spec.volumeClaimTemplates ?? []).map((template) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(template.metadata.name, reserveName),
      namespace: reserve.metadata.namespace,
      labels: { ...template.metadata.labels, [RESERVE_LABEL]: reserveName },
      annotations: { ...template.metadata.annotations, [RESERVE_UID_ANNOTATION]: reserve.metadata.uid ?? '' },
      ...(deletesPvcs(reserve) ? { ownerReferences: [controllerReference(reserve)] } : {}),
    },
    spec: structuredClone(template.spec),
  }));
}

/**
 * Returns 'owned' when pvc belongs to this Reserve: its controller is this Reserve, or it has
 * no controller and was created by this Reserve (same UID), as under Retain. Any other PVC of
 * the same name is 'foreign', including one retained from a deleted Reserve of the same name.
 */
export function classifyPvc(reserve: Reserve, pvc: V1PersistentVolumeClaim): PvcOwnership {
  const uid = reserve.metadata.uid;
  if (uid === undefined) {
    return 'foreign';
  }
  const controller = getControllerOf(pvc.metadata);
  if (controller !== undefined) {
    return controller.uid === uid ? 'owned' : 'foreign';
  }
  return pvc.metadata?.annotations?.[RESERVE_UID_ANNOTATION] === uid ? 'owned' : 'foreign';
}

/**
 * Returns the ownerReferences an owned PVC must have under the current retention policy, or
 * undefined when it already has them. References to other owners are kept.
 */
export function updatedPvcOwnerReferences(
  reserve: Reserve,
  pvc: V1PersistentVolumeClaim,
): V1OwnerReference[] | undefined {
  const current = pvc.metadata?.ownerReferences ?? [];
  const uid = reserve.metadata.uid;
  const others = current.filter((reference) => reference.uid !== uid);
  const hasReference = others.length < current.length;
  if (deletesPvcs(reserve) === hasReference) {
    return undefined;
  }
  return deletesPvcs(reserve) ? [...others, controllerReference(reserve)] : others;
}

function deletesPvcs(reserve: Reserve): boolean {
  return (reserve.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Delete') === 'Delete';
}
