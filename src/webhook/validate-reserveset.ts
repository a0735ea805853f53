// Validating admission of ReserveSets and of their scale subresource.
import { isDeepStrictEqual } from 'node:util';
import { GROUP, RESERVESET_KIND } from '../schema/constants.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import type { AdmissionContext } from './admission-context.js';
import { invalid, type FieldError } from './field-errors.js';
import { imageWarnings } from './image-warnings.js';
import { placeholderMemberName, validateClaimNames, validateReserveSetName } from './name-validation.js';
import { objectName, stringAt, valueAt } from './object-access.js';
import { allow, deny, invalidStatus } from './responses.js';
import { mergeFieldErrors, schemaErrors, schemaValidatorsOf } from './schema-errors.js';
import { requestName } from './validate-reserve.js';
import { validateTemplateAnnotations } from './template-metadata.js';
import { validateVolumes } from './volume-validation.js';

/** spec.replicas when the object leaves it out, as the CRD schema defaults it. */
const DEFAULT_REPLICAS = 1;

export function validateReserveSet(request: AdmissionRequest, context: AdmissionContext): AdmissionResponse {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return allow(request.uid);
  }
  const spec = valueAt(request.object, 'spec');
  const oldSpec = request.operation === 'UPDATE' ? valueAt(request.oldObject, 'spec') : undefined;
  const warnings = [...imageWarnings(spec, oldSpec), ...templateUpdateWarnings(oldSpec, spec)];
  const errors = reserveSetFieldErrors(request, context);
  if (errors.length > 0) {
    const target = { group: GROUP, kind: RESERVESET_KIND, name: requestName(request) };
    return deny(request.uid, invalidStatus(target, errors), warnings);
  }
  return allow(request.uid, warnings);
}

/** Applies the replicas cap to `kubectl scale` and autoscalers, which write through the scale subresource. */
export function validateReserveSetScale(request: AdmissionRequest, context: AdmissionContext): AdmissionResponse {
  if (request.operation !== 'UPDATE') {
    return allow(request.uid);
  }
  const errors = validateReplicas(
    valueAt(request.object, 'spec', 'replicas'),
    valueAt(request.oldObject, 'spec', 'replicas'),
    context.config.maxReplicas,
  );
  if (errors.length > 0) {
    return deny(request.uid, invalidStatus({ group: 'autoscaling', kind: 'Scale', name: requestName(request) }, errors));
  }
  return allow(request.uid);
}

function reserveSetFieldErrors(request: AdmissionRequest, context: AdmissionContext): FieldError[] {
  const { object, operation } = request;
  const spec = valueAt(object, 'spec');
  const name = objectName(object);
  const own = [
    ...validateVolumes(spec),
    ...validateClaimNames(spec, placeholderMemberName(name)),
    ...validateTemplateAnnotations(spec),
  ];
  if (operation === 'CREATE' && name !== '') {
    own.push(...validateReserveSetName(name));
  }
  const oldReplicas = operation === 'UPDATE' ? valueAt(request.oldObject, 'spec', 'replicas') : undefined;
  own.push(...validateReplicas(valueAt(spec, 'replicas'), oldReplicas, context.config.maxReplicas));
  return mergeFieldErrors(schemaErrors(schemaValidatorsOf(context).reserveSet, object), own);
}

/**
 * Checks replicas against the operator's cap. An unchanged value passes, so lowering
 * --max-replicas does not block unrelated updates of a set that is already larger.
 */
export function validateReplicas(replicas: unknown, oldReplicas: unknown, maxReplicas: number): FieldError[] {
  const value = replicas ?? DEFAULT_REPLICAS;
  if (typeof value !== 'number' || value <= maxReplicas || value === (oldReplicas ?? DEFAULT_REPLICAS)) {
    return [];
  }
  return [
    invalid(
      'spec.replicas',
      value,
      `must be no more than ${maxReplicas}, the operator's cap on ReserveSet replicas; an operator admin can raise it with --max-replicas`,
    ),
  ];
}

/** Warns that a template change does not reach claimed Reserves, and says how it reaches the rest. */
export function templateUpdateWarnings(oldSpec: unknown, spec: unknown): string[] {
  if (oldSpec === undefined) {
    return [];
  }
  const changed = ['template', 'volumeClaimTemplates'].filter(
    (field) => !isDeepStrictEqual(valueAt(oldSpec, field), valueAt(spec, field)),
  );
  if (changed.length === 0) {
    return [];
  }
  const fields = changed.map((field) => `spec.${field}`).join(' and ');
  const strategy = stringAt(spec, 'updateStrategy', 'type') ?? 'Replace';
  const rollout =
    strategy === 'OnDelete'
      ? 'under updateStrategy OnDelete, each unclaimed member takes it when it is deleted and recreated'
      : 'under updateStrategy Replace, unclaimed members built from the old template are replaced, maxUnavailable at a time';
  return [`${fields} changed: the change reaches unclaimed members only (${rollout}); claimed Reserves keep their template`];
}
