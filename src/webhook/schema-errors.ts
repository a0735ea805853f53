// Runs the generated CRD schema validators and merges their errors with the webhook's own.
import { validateReserve, validateReserveSet } from '../schema/index.js';
import type { AdmissionContext, SchemaValidator, SchemaValidators } from './admission-context.js';
import { isRecord } from './admission-review.js';
import { normalizeFieldErrorType, type FieldError } from './field-errors.js';

/** The validators compiled from the CRD schemas in src/schema. */
export const GENERATED_SCHEMA_VALIDATORS: SchemaValidators = {
  reserve: validateReserve,
  reserveSet: validateReserveSet,
};

/** The schema validators of a context: the generated ones unless the context sets others. */
export function schemaValidatorsOf(context: AdmissionContext): SchemaValidators {
  return context.schemaValidators ?? GENERATED_SCHEMA_VALIDATORS;
}

/**
 * Runs a schema validator; its messages are kept as rendered, since they already read like the
 * apiserver's.
 *
 * NOTE: the apiserver ratchets schema validation on UPDATE, letting unchanged fields that a
 * newer schema rejects stay as they are. This check runs on the whole object, so after a
 * schema tightens, an object that breaks the new rule must be fixed in its next update.
 */
export function schemaErrors(validator: SchemaValidator | undefined, object: unknown): FieldError[] {
  if (validator === undefined) {
    return [];
  }
  return validator(withSchemaMetadata(object)).map((error) => ({
    path: toFieldPath(error.path),
    type: normalizeFieldErrorType(error.type),
    value: error.value,
    message: error.message,
    body: error.message,
  }));
}

/**
 * Keeps only metadata.name, the one metadata field the CRD schemas declare (for their name
 * length rule). The apiserver validates the rest of ObjectMeta itself, and the generated
 * validators would report fields such as metadata.uid or metadata.labels as not declared.
 */
function withSchemaMetadata(object: unknown): unknown {
  if (!isRecord(object) || !isRecord(object.metadata)) {
    return object;
  }
  const { name } = object.metadata;
  return { ...object, metadata: name === undefined ? {} : { name } };
}

/**
 * Joins schema errors and the webhook's own checks, keeping one error per field path with the
 * schema's first, because some checks (such as name lengths) exist in both.
 */
export function mergeFieldErrors(schema: readonly FieldError[], own: readonly FieldError[]): FieldError[] {
  const reported = new Set(schema.map((error) => error.path));
  return [...schema, ...own.filter((error) => !reported.has(error.path))];
}

/** Converts a JSON pointer (`/spec/volumes/0/name`) to a field path (`spec.volumes[0].name`); other paths pass unchanged. */
export function toFieldPath(path: string): string {
  if (!path.startsWith('/')) {
    return path;
  }
  let fieldPath = '';
  for (const raw of path.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) {
      fieldPath += `[${segment}]`;
    } else if (/^[A-Za-z_$][\w$]*$/.test(segment)) {
      fieldPath += fieldPath === '' ? segment : `.${segment}`;
    } else {
      // Map keys render in brackets, as field.Path.Key does: labels[app.kubernetes.io/name].
      fieldPath += `[${segment}]`;
    }
  }
  return fieldPath;
}
