// Schema of the Reserve kind: one Pod at most and the PersistentVolumeClaims it mounts.

import { conditionsSchema, observedGenerationSchema, resumePlacementSchema, retentionPolicySchema } from './common.js';
import { MAX_RESERVE_NAME_LENGTH } from './constants.js';
import {
  array,
  boolean,
  dateTime,
  integer,
  named,
  number,
  object,
  string,
  stringEnum,
  type JSONSchemaProps,
  type ValidationRule,
} from './openapi.js';
import { podTemplateSchema, volumeClaimTemplatesSchema } from './templates.js';

export const RESERVE_PHASES = ['Pending', 'Starting', 'Running', 'Pausing', 'Paused', 'Failed'] as const;
export const RESERVE_CONDITION_TYPES = ['Ready', 'Paused', 'Reconciling', 'Stalled', 'UpdatePending'] as const;

export const RESERVE_NAME_LENGTH: ValidationRule = {
  rule: `self.metadata.name.size() <= ${MAX_RESERVE_NAME_LENGTH}`,
  message:
    `metadata.name must be at most ${MAX_RESERVE_NAME_LENGTH} characters: ` +
    'the Pod is named after the Reserve and its hostname is a DNS-1123 label',
  fieldPath: '.metadata.name',
};

export const CLAIM_IMMUTABLE: ValidationRule = {
  rule: 'self == oldSelf',
  message: 'spec.claim is immutable once set: a Reserve is claimed once',
};

export const CLAIM_NOT_REMOVABLE: ValidationRule = {
  rule: '!has(oldSelf.claim) || has(self.claim)',
  message: 'spec.claim cannot be removed once set: a Reserve is claimed once',
};

export function reserveSpecSchema(): JSONSchemaProps {
  return named(
    'ReserveSpec',
    object(
      'Desired state of the Reserve.',
      {
        paused: boolean(
          'Whether the Pod is stopped. true deletes the Pod gracefully and keeps the Reserve and ' +
            'its PersistentVolumeClaims; false creates the Pod again on the same claims. Defaults to false.',
          { default: false },
        ),
        template: podTemplateSchema(),
        volumeClaimTemplates: volumeClaimTemplatesSchema({
          description:
            'PersistentVolumeClaims of the Reserve, one per entry, named `<template>-<reserve>`. ' +
            'They outlive the Pod, so a paused Reserve keeps its data. Immutable after creation.',
          immutable: true,
        }),
        persistentVolumeClaimRetentionPolicy: retentionPolicySchema(),
        resumePlacement: resumePlacementSchema(),
        claim: claimSchema(),
      },
      { required: ['template'], 'x-kubernetes-validations': [CLAIM_NOT_REMOVABLE] },
    ),
  );
}

function claimSchema(): JSONSchemaProps {
  return named(
    'ClaimRecord',
    object(
      'Who claimed this Reserve from a ReserveSet, and when. Only the mutating webhook sets it, ' +
        'from the userInfo of the request that unpaused a warm member; it cannot change afterwards.',
      {
        user: string('Username of the client that claimed the Reserve.', { minLength: 1 }),
        groups: array('Groups of that user at the time of the claim.', { type: 'string' }, {
          'x-kubernetes-list-type': 'atomic',
        }),
        time: dateTime('When the claim was made.'),
        reserveSet: string('Name of the ReserveSet the Reserve was claimed from.'),
      },
      { required: ['user', 'time'], 'x-kubernetes-validations': [CLAIM_IMMUTABLE] },
    ),
  );
}

export function reserveStatusSchema(): JSONSchemaProps {
  return named(
    'ReserveStatus',
    object('Observed state of the Reserve, written by the operator.', {
      phase: named(
        'ReservePhase',
        stringEnum(
          'Lifecycle phase: Pending (no Pod yet), Starting (Pod not Ready yet), Running (Pod Ready), ' +
            'Pausing (Pod being deleted), Paused (no Pod, claims kept) or Failed.',
          RESERVE_PHASES,
        ),
      ),
      conditions: conditionsSchema(RESERVE_CONDITION_TYPES),
      observedGeneration: observedGenerationSchema('Reserve'),
      podName: string('Name of the current Pod.'),
      nodeName: string('Node the current Pod runs on.'),
      lastNodeName: string('Node the previous Pod ran on; resumePlacement prefers it.'),
      persistentVolumeClaims: array('Names of the PersistentVolumeClaims of this Reserve.', { type: 'string' }),
      templateHash: string('Hash of the pod template the current or last Pod was built from.'),
      firstReadyTime: dateTime('When a Pod of this Reserve first became Ready, that is when the first boot finished.'),
      lastPausedTime: dateTime('When the last pause finished.'),
      lastResumedTime: dateTime('When the last resume began.'),
      lastResumeSeconds: number('Seconds from the last resume to Pod Ready.', { minimum: 0 }),
      podFailures: integer(
        'Consecutive failed Pods. It sets the backoff before the next Pod and resets when a Pod becomes Ready.',
        { format: 'int32', minimum: 0 },
      ),
    }),
  );
}
