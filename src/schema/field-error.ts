// Field errors in the shape of the apiserver's field.Error, so that the messages reserve
// returns read like the ones kubectl prints for built-in kinds.

export type FieldErrorType =
  | 'Required'
  | 'Invalid'
  | 'NotSupported'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'Duplicate';

export interface FieldError {
  /** Field path in the apiserver's notation, such as `spec.template.spec.containers[0].image`. */
  path: string;
  type: FieldErrorType;
  /** The rejected value, or undefined when the field is missing. */
  value?: unknown;
  /** What is wrong, without the path, such as `Required value`. */
  message: string;
}

/** Renders one error the way the apiserver does: `spec.replicas: Invalid value: -1: ...`. */
export function formatFieldError(error: FieldError): string {
  return error.path === '' ? error.message : `${error.path}: ${error.message}`;
}

/** Builds a message in the apiserver's words for an error of the given type. */
export function fieldErrorMessage(type: FieldErrorType, value: unknown, detail: string): string {
  switch (type) {
    case 'Required':
      return detail === '' ? 'Required value' : `Required value: ${detail}`;
    case 'Forbidden':
      return `Forbidden: ${detail}`;
    case 'TooLong':
      return `Too long: ${detail}`;
    case 'TooMany':
      return `Too many: ${detail}`;
    case 'Duplicate':
      return `Duplicate value: ${JSON.stringify(value)}: ${detail}`;
    case 'NotSupported':
      return `Unsupported value: ${describeValue(value)}: ${detail}`;
    case 'Invalid':
      return `Invalid value: ${describeValue(value)}: ${detail}`;
  }
}

/** Renders a value for a message: scalars as JSON, objects and arrays by their kind, as the apiserver does. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return '"array"';
  if (value !== null && typeof value === 'object') return '"object"';
  return JSON.stringify(value) ?? 'null';
}
