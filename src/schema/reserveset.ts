// Schema of the ReserveSet kind: a pool of Reserves that booted once and wait, paused, to be claimed.

import { conditionsSchema, observedGenerationSchema, resumePlacementSchema, retentionPolicySchema } from './common.js';
import { ABSOLUTE_MAX_REPLICAS, MAX_RESERVESET_NAME_LENGTH, MEMBER_SUFFIX_LENGTH } from './constants.js';
import {
  integer,
  named,
  object,
  string,
  stringEnum,
  type JSONSchemaProps,
  type ValidationRule,
} from './openapi.js';
import { podTemplateSchema, volumeClaimTemplatesSchema } from './templates.js';

export const UPDATE_STRATEGY_TYPES = ['Replace', 'OnDelete'] as const;
export const RESERVESET_CONDITION_TYPES = ['Ready', 'Reconciling', 'Stalled'] as const;

/** A non-negative integer, or a percentage from 0% to 100%, as a Deployment's maxUnavailable. */
export const PERCENT_PATTERN = '^(100|[1-9]?[0-9])%$';

export const RESERVESET_NAME_LENGTH: ValidationRule = {
  rule: `self.metadata.name.size() <= ${MAX_RESERVESET_NAME_LENGTH}`,
  message:
    `metadata.name must be at most ${MAX_RESERVESET_NAME_LENGTH} characters: members are named ` +
    `<reserveset>-<${MEMBER_SUFFIX_LENGTH} random characters> and a Reserve name is a DNS-1123 label`,
  fieldPath: '.metadata.name',
};

export function reserveSetSpecSchema(): JSONSchemaProps {
  return named(
    'ReserveSetSpec',
    object(
      'Desired state of the ReserveSet.',
      {
        replicas: integer(
          'Number of unclaimed members to keep. A claimed member leaves the set and is replaced. ' +
            `The operator caps it with --max-replicas; the schema allows at most ${ABSOLUTE_MAX_REPLICAS}. Defaults to 1.`,
          { format: 'int32', minimum: 0, maximum: ABSOLUTE_MAX_REPLICAS, default: 1 },
        ),
        template: podTemplateSchema(),
        volumeClaimTemplates: volumeClaimTemplatesSchema({
          description:
            'PersistentVolumeClaims of each member, one per entry, named `<template>-<member>`. ' +
            'A change applies to members built afterwards, as a template change does.',
          immutable: false,
        }),
        persistentVolumeClaimRetentionPolicy: retentionPolicySchema(),
        resumePlacement: resumePlacementSchema(),
        updateStrategy: updateStrategySchema(),
      },
      { required: ['template'] },
    ),
  );
}

function updateStrategySchema(): JSONSchemaProps {
  return named(
    'ReserveSetUpdateStrategy',
    object(
      'How unclaimed members built from an older template are replaced.',
      {
        type: named(
          'ReserveSetUpdateStrategyType',
          stringEnum(
            'Replace (default): stale unclaimed members cannot be claimed and are replaced, at most ' +
              'maxUnavailable at a time. OnDelete: they stay claimable until claimed or deleted.',
            UPDATE_STRATEGY_TYPES,
            { default: 'Replace' },
          ),
        ),
        maxUnavailable: {
          description:
            'Stale members replaced at once under Replace: a number, or a percentage of replicas ' +
            'such as 25%. Defaults to 25%.',
          'x-kubernetes-int-or-string': true,
          // minimum applies to an integer and pattern to a string, so the two cover both forms
          // without a CEL rule, whose regular expression cost on a string of unknown length
          // the apiserver would estimate above its limit.
          minimum: 0,
          pattern: PERCENT_PATTERN,
          default: '25%',
        },
      },
      { default: {} },
    ),
  );
}

export function reserveSetStatusSchema(): JSONSchemaProps {
  const count = (description: string) => integer(description, { format: 'int32', minimum: 0 });
  return named(
    'ReserveSetStatus',
    object('Observed state of the ReserveSet, written by the operator.', {
      replicas: count('Unclaimed members, in any state.'),
      warmReplicas: count('Unclaimed members that are paused, booted once and built from the current template.'),
      warmingReplicas: count('Unclaimed members that have not finished their first boot and pause yet.'),
      updatedReplicas: count('Unclaimed members built from the current template.'),
      claimedReplicas: count('Reserves claimed from this ReserveSet that still exist; claimed Reserves are no longer members.'),
      observedGeneration: observedGenerationSchema('ReserveSet'),
      templateHash: string('Hash of the current template.'),
      selector: string('Label selector of the unclaimed members, in string form, for the scale subresource.'),
      conditions: conditionsSchema(RESERVESET_CONDITION_TYPES),
    }),
  );
}
