// Validating admission of Reserves: claim rules, then field checks.
import { isDeepStrictEqual } from 'node:util';
import { GROUP, RESERVE_KIND } from '../schema/constants.js';
import type { AdmissionRequest, AdmissionResponse } from './admission-review.js';
import type { AdmissionContext } from './admission-context.js';
import { checkClaimPolicy } from './claim-policy.js';
import { invalid, type FieldError } from './field-errors.js';
import { imageWarnings } from './image-warnings.js';
import { validateClaimNames, validateReserveName } from './name-validation.js';
import { objectName, valueAt } from './object-access.js';
import { allow, deny, forbiddenStatus, invalidStatus, type DeniedObject } from './responses.js';
import { mergeFieldErrors, schemaErrors, schemaValidatorsOf } from './schema-errors.js';
import { validateTemplateAnnotations } from './template-metadata.js';
import { validateVolumes } from './volume-validation.js';

export async function validateReserve(request: AdmissionRequest, context: AdmissionContext): Promise<AdmissionResponse> {
  const target: DeniedObject = { group: GROUP, kind: RESERVE_KIND, name: requestName(request) };

  const policyViolation = await checkClaimPolicy(request, context);
  if (policyViolation !== undefined) {
    return deny(request.uid, forbiddenStatus(target, policyViolation));
  }
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
    return allow(request.uid);
  }

  const spec = valueAt(request.object, 'spec');
  const oldSpec = request.operation === 'UPDATE' ? valueAt(request.oldObject, 'spec') : undefined;
  const warnings = imageWarnings(spec, oldSpec);
  const errors = reserveFieldErrors(request, context);
  if (errors.length > 0) {
    return deny(request.uid, invalidStatus(target, errors), warnings);
  }
  return allow(request.uid, warnings);
}

function reserveFieldErrors(request: AdmissionRequest, context: AdmissionContext): FieldError[] {
  const { object, operation } = request;
  const spec = valueAt(object, 'spec');
  const name = objectName(object);
  const own = [...validateVolumes(spec), ...validateClaimNames(spec, name), ...validateTemplateAnnotations(spec)];
  // Names are immutable, so checking them once keeps Reserves created before a rule editable.
  if (operation === 'CREATE' && name !== '') {
    own.push(...validateReserveName(name));
  }
  if (operation === 'UPDATE') {
    own.push(...validateImmutableClaimTemplates(valueAt(request.oldObject, 'spec'), spec));
  }
  return mergeFieldErrors(schemaErrors(schemaValidatorsOf(context).reserve, object), own);
}

/**
 * Keeps spec.volumeClaimTemplates as created: the PVCs already exist, and changing a template
 * would not change them.
 */
export function validateImmutableClaimTemplates(oldSpec: unknown, spec: unknown): FieldError[] {
  const before = valueAt(oldSpec, 'volumeClaimTemplates') ?? [];
  const after = valueAt(spec, 'volumeClaimTemplates') ?? [];
  if (isDeepStrictEqual(before, after)) {
    return [];
  }
  return [invalid('spec.volumeClaimTemplates', after, 'field is immutable')];
}

/** The object name for messages; on DELETE only the old object has it. */
export function requestName(request: AdmissionRequest): string {
  return request.name || objectName(request.object) || objectName(request.oldObject);
}
