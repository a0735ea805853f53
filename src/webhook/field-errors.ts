// Field errors shaped like k8s.io/apimachinery/pkg/util/validation/field, so that a denial
// renders the way the apiserver renders its own validation errors.

/** Cause types of a metav1.StatusCause, as the apiserver names them. */
export type FieldErrorType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

/** One problem with one field: its path (`spec.replicas`), the cause type, the bad value and the reason. */
export interface FieldError {
  path: string;
  type: FieldErrorType;
  value: unknown;
  message: string;
  /** The whole text after the path, when the validator that found the error rendered it itself. */
  body?: string;
}

const TYPE_LABELS: Record<FieldErrorType, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

// The apiserver prints no value for these types, only the label and the message.
const TYPES_WITHOUT_VALUE = new Set<FieldErrorType>([
  'FieldValueRequired',
  'FieldValueForbidden',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'InternalError',
]);

// Short names that a validator may use in place of the cause type.
const TYPE_ALIASES: Record<string, FieldErrorType> = {
  NotFound: 'FieldValueNotFound',
  Required: 'FieldValueRequired',
  Duplicate: 'FieldValueDuplicate',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  TypeInvalid: 'FieldValueTypeInvalid',
  Internal: 'InternalError',
};

// Keeps a denial readable when the bad value is a large object, such as a whole
// volumeClaimTemplates list. The apiserver prints values in full.
const MAX_RENDERED_VALUE_LENGTH = 256;

export function required(path: string, message: string): FieldError {
  return { path, type: 'FieldValueRequired', value: undefined, message };
}

export function invalid(path: string, value: unknown, message: string): FieldError {
  return { path, type: 'FieldValueInvalid', value, message };
}

export function notFound(path: string, value: unknown, message: string): FieldError {
  return { path, type: 'FieldValueNotFound', value, message };
}

export function duplicate(path: string, value: unknown, message: string): FieldError {
  return { path, type: 'FieldValueDuplicate', value, message };
}

export function forbidden(path: string, message: string): FieldError {
  return { path, type: 'FieldValueForbidden', value: undefined, message };
}

/** Maps a cause type or its short name (`Invalid`) to the cause type; unknown names become FieldValueInvalid. */
export function normalizeFieldErrorType(type: string): FieldErrorType {
  if (type in TYPE_LABELS) {
    return type as FieldErrorType;
  }
  return TYPE_ALIASES[type] ?? 'FieldValueInvalid';
}

/** Renders the part after the field path, as the apiserver's ErrorBody does: `Invalid value: "v": msg`. */
export function renderErrorBody(error: FieldError): string {
  if (error.body !== undefined) {
    return error.body;
  }
  let body = TYPE_LABELS[error.type];
  if (!TYPES_WITHOUT_VALUE.has(error.type)) {
    body += `: ${renderValue(error.value)}`;
  }
  if (error.message !== '') {
    body += `: ${error.message}`;
  }
  return body;
}

/** Renders `spec.f: Invalid value: "v": msg`. */
export function renderFieldError(error: FieldError): string {
  return `${error.path}: ${renderErrorBody(error)}`;
}

/** Renders a list the way an apimachinery aggregate does: one error alone, several in brackets. */
export function renderFieldErrors(errors: readonly FieldError[]): string {
  const rendered = errors.map(renderFieldError);
  return rendered.length === 1 ? (rendered[0] ?? '') : `[${rendered.join(', ')}]`;
}

function renderValue(value: unknown): string {
  if (value === undefined || value === null) {
    return 'null';
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  const rendered = JSON.stringify(value) ?? String(value);
  if (rendered.length <= MAX_RENDERED_VALUE_LENGTH) {
    return rendered;
  }
  return `${rendered.slice(0, MAX_RENDERED_VALUE_LENGTH)}...`;
}
