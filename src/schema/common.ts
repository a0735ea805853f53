// Schemas of the fields that Reserve and ReserveSet share, apart from the templates.

import {
  array,
  dateTime,
  integer,
  named,
  object,
  string,
  stringEnum,
  type JSONSchemaProps,
} from './openapi.js';

export const RESUME_PLACEMENTS = ['PreferLastNode', 'RequireLastNode', 'None'] as const;
export const RETENTION_POLICY_TYPES = ['Delete', 'Retain'] as const;
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export function resumePlacementSchema(): JSONSchemaProps {
  return named(
    'ResumePlacement',
    stringEnum(
      'Node affinity added to a resumed Pod towards the node the previous Pod ran on, where the ' +
        'image is already cached. PreferLastNode (default) adds a preferred node affinity, ' +
        'RequireLastNode a required one (the Pod stays Pending while that node cannot take it), ' +
        'and None adds nothing.',
      RESUME_PLACEMENTS,
      { default: 'PreferLastNode' },
    ),
  );
}

export function retentionPolicySchema(): JSONSchemaProps {
  const whenDeleted = named(
    'PersistentVolumeClaimRetentionPolicyType',
    stringEnum(
      'What happens to the PersistentVolumeClaims when the Reserve is deleted: Delete (default) ' +
        'deletes them with the Reserve, Retain keeps them.',
      RETENTION_POLICY_TYPES,
      { default: 'Delete' },
    ),
  );
  return named(
    'PersistentVolumeClaimRetentionPolicy',
    object(
      'Lifecycle of the PersistentVolumeClaims created from volumeClaimTemplates.',
      { whenDeleted },
      // An empty default lets the apiserver default whenDeleted when the policy is omitted.
      { default: {} },
    ),
  );
}

export function observedGenerationSchema(subject: string): JSONSchemaProps {
  return integer(`The metadata.generation of the ${subject} that this status describes.`, {
    format: 'int64',
    minimum: 0,
  });
}

/** Conditions in the shape of metav1.Condition, keyed by type so that each type appears once. */
export function conditionsSchema(types: readonly string[]): JSONSchemaProps {
  const condition = named(
    'Condition',
    object(
      'One aspect of the current state of the object.',
      {
        type: string('Condition type, such as Ready.', { maxLength: 316 }),
        status: named(
          'ConditionStatus',
          stringEnum('Whether the condition holds: True, False or Unknown.', CONDITION_STATUSES),
        ),
        reason: string('Machine-readable reason for the last transition, in PascalCase.', {
          minLength: 1,
          maxLength: 1024,
          pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        }),
        message: string('Human-readable details of the last transition.', { maxLength: 32768 }),
        observedGeneration: integer('The metadata.generation the condition was set from.', {
          format: 'int64',
          minimum: 0,
        }),
        lastTransitionTime: dateTime('When the status last changed from one value to another.'),
      },
      { required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'] },
    ),
  );
  return array(
    `Current state as kstatus conditions, which Argo CD and Flux read. Types: ${types.join(', ')}.`,
    condition,
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  );
}
