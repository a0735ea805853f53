// Admission responses and the metav1.Status of each kind of denial.
import type { V1Status } from '@kubernetes/client-node';
import type { AdmissionResponse } from './admission-review.js';
import { renderErrorBody, renderFieldErrors, type FieldError } from './field-errors.js';
import type { JsonPatchOperation } from './json-patch.js';

/** The object a denial is about: the group and kind of the request and the object name. */
export interface DeniedObject {
  group: string;
  kind: string;
  name: string;
}

export function allow(uid: string, warnings: readonly string[] = []): AdmissionResponse {
  return withWarnings({ uid, allowed: true }, warnings);
}

/** Allows the request with a JSON patch; an empty patch allows it unchanged. */
export function allowWithPatch(
  uid: string,
  operations: readonly JsonPatchOperation[],
  warnings: readonly string[] = [],
): AdmissionResponse {
  if (operations.length === 0) {
    return allow(uid, warnings);
  }
  const patch = Buffer.from(JSON.stringify(operations)).toString('base64');
  return withWarnings({ uid, allowed: true, patchType: 'JSONPatch', patch }, warnings);
}

export function deny(uid: string, status: V1Status, warnings: readonly string[] = []): AdmissionResponse {
  return withWarnings({ uid, allowed: false, status }, warnings);
}

/**
 * Builds the 422 Invalid status the apiserver returns for field errors, so kubectl prints
 * `The Reserve "x" is invalid: spec.f: Invalid value: ...` with one line per cause.
 */
export function invalidStatus(object: DeniedObject, errors: readonly FieldError[]): V1Status {
  const qualifiedKind = object.group === '' ? object.kind : `${object.kind}.${object.group}`;
  return {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: 422,
    reason: 'Invalid',
    message: `${qualifiedKind} "${object.name}" is invalid: ${renderFieldErrors(errors)}`,
    details: {
      group: object.group,
      kind: object.kind,
      name: object.name,
      // metav1.StatusCause serializes its Type field under the JSON key `reason`.
      causes: errors.map((error) => ({ reason: error.type, field: error.path, message: renderErrorBody(error) })),
    },
  };
}

/** Builds the 403 Forbidden status of a policy denial, such as a claim by the wrong user. */
export function forbiddenStatus(object: DeniedObject, message: string): V1Status {
  return {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: 403,
    reason: 'Forbidden',
    message,
    details: { group: object.group, kind: object.kind, name: object.name },
  };
}

/** Builds the 500 status of a request the webhook failed to process; the apiserver may retry it. */
export function internalErrorStatus(message: string): V1Status {
  return {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    code: 500,
    reason: 'InternalError',
    message: `reserve admission webhook failed: ${message}`,
  };
}

function withWarnings(response: AdmissionResponse, warnings: readonly string[]): AdmissionResponse {
  return warnings.length === 0 ? response : { ...response, warnings: [...warnings] };
}
