// The CustomResourceDefinitions of reserve, in wire form (apiextensions.k8s.io/v1), built from
// the schemas in this folder. manifests/crds/ holds the same objects as YAML.

import {
  GROUP,
  RESERVE_KIND,
  RESERVE_PLURAL,
  RESERVESET_KIND,
  RESERVESET_PLURAL,
  VERSION,
} from './constants.js';
import { object, string, type JSONSchemaProps, type ValidationRule } from './openapi.js';
import { RESERVE_NAME_LENGTH, reserveSpecSchema, reserveStatusSchema } from './reserve.js';
import { RESERVESET_NAME_LENGTH, reserveSetSpecSchema, reserveSetStatusSchema } from './reserveset.js';

export const CATEGORY = 'pool';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: JSONSchemaProps };
  subresources: {
    status: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  };
  additionalPrinterColumns: PrinterColumn[];
}

/**
 * A CustomResourceDefinition with JSON field names. Send it as raw JSON (kubectl, server-side
 * apply); the typed client-node models use other property names for the `x-kubernetes-*` fields.
 */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: CustomResourceDefinitionVersion[];
  };
}

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const reserveCrd: CustomResourceDefinition = customResourceDefinition({
  kind: RESERVE_KIND,
  plural: RESERVE_PLURAL,
  shortName: 'rsv',
  schema: rootSchema(
    RESERVE_KIND,
    'A Reserve keeps one Pod and the PersistentVolumeClaims it mounts. Pausing deletes the Pod ' +
      'and keeps the claims; resuming creates the Pod again on them, preferably on the same node.',
    { spec: reserveSpecSchema(), status: reserveStatusSchema() },
    [RESERVE_NAME_LENGTH],
  ),
  subresources: { status: {} },
  printerColumns: [
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Claimed By', type: 'string', jsonPath: '.spec.claim.user' },
    { name: 'Node', type: 'string', jsonPath: '.status.nodeName' },
    AGE_COLUMN,
  ],
});

export const reserveSetCrd: CustomResourceDefinition = customResourceDefinition({
  kind: RESERVESET_KIND,
  plural: RESERVESET_PLURAL,
  shortName: 'rsvs',
  schema: rootSchema(
    RESERVESET_KIND,
    'A ReserveSet keeps a pool of Reserves that booted once and wait, paused, to be claimed. ' +
      'Unpausing a warm member claims it: the member leaves the set and the set creates a replacement.',
    { spec: reserveSetSpecSchema(), status: reserveSetStatusSchema() },
    [RESERVESET_NAME_LENGTH],
  ),
  subresources: {
    status: {},
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  },
  printerColumns: [
    { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Warm', type: 'integer', jsonPath: '.status.warmReplicas' },
    { name: 'Warming', type: 'integer', jsonPath: '.status.warmingReplicas' },
    { name: 'Claimed', type: 'integer', jsonPath: '.status.claimedReplicas', description: 'Reserves claimed from this ReserveSet that still exist.' },
    AGE_COLUMN,
  ],
});

export const crds: readonly CustomResourceDefinition[] = [reserveCrd, reserveSetCrd];

function rootSchema(
  kind: string,
  description: string,
  fields: { spec: JSONSchemaProps; status: JSONSchemaProps },
  rules: ValidationRule[],
): JSONSchemaProps {
  return object(
    description,
    {
      apiVersion: string(
        'Versioned schema of this representation of an object, such as pool.w-h-a.io/v1alpha1.',
      ),
      kind: string(`Kind of the object: ${kind}.`),
      // The apiserver validates metadata itself; declaring name only lets a root rule point at it.
      metadata: { type: 'object', properties: { name: { type: 'string' } } },
      spec: fields.spec,
      status: fields.status,
    },
    { required: ['spec'], 'x-kubernetes-validations': rules },
  );
}

function customResourceDefinition(options: {
  kind: string;
  plural: string;
  shortName: string;
  schema: JSONSchemaProps;
  subresources: CustomResourceDefinitionVersion['subresources'];
  printerColumns: PrinterColumn[];
}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${options.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: options.kind,
        listKind: `${options.kind}List`,
        plural: options.plural,
        singular: options.kind.toLowerCase(),
        shortNames: [options.shortName],
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: options.schema },
          subresources: options.subresources,
          additionalPrinterColumns: options.printerColumns,
        },
      ],
    },
  };
}
