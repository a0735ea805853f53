// The subset of apiextensions.k8s.io/v1 JSONSchemaProps that reserve's CRDs use, in wire
// form (the JSON field names, such as `x-kubernetes-validations`), and small builders for it.

export interface ValidationRule {
  /** CEL expression evaluated with `self` (and `oldSelf` for a transition rule) bound to the field. */
  rule: string;
  /** Message returned when the rule evaluates to false; it names the field it guards. */
  message: string;
  /** Field the error points at, relative to the field that carries the rule, such as `.metadata.name`. */
  fieldPath?: string;
  /** Error reason; the apiserver uses FieldValueInvalid when it is unset. */
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface JSONSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

type Options = Omit<JSONSchemaProps, 'type' | 'description' | 'properties' | 'items'>;

/** TypeScript names of schema nodes, read by the type generator and never serialized. */
const typeNames = new WeakMap<JSONSchemaProps, string>();
/** Schema nodes rendered as a type from @kubernetes/client-node instead of being expanded. */
const externalTypes = new WeakMap<JSONSchemaProps, string>();

/** Marks a schema as the generated TypeScript type or alias `name`. */
export function named<T extends JSONSchemaProps>(name: string, schema: T): T {
  typeNames.set(schema, name);
  return schema;
}

/** Marks a schema as the @kubernetes/client-node type `name`, for example `V1PodSpec`. */
export function external<T extends JSONSchemaProps>(name: string, schema: T): T {
  externalTypes.set(schema, name);
  return schema;
}

export function typeNameOf(schema: JSONSchemaProps): string | undefined {
  return typeNames.get(schema);
}

export function externalTypeOf(schema: JSONSchemaProps): string | undefined {
  return externalTypes.get(schema);
}

export function object(
  description: string,
  properties: Record<string, JSONSchemaProps>,
  options: Options = {},
): JSONSchemaProps {
  return { description, type: 'object', properties, ...options };
}

export function array(description: string, items: JSONSchemaProps, options: Options = {}): JSONSchemaProps {
  return { description, type: 'array', items, ...options };
}

export function string(description: string, options: Options = {}): JSONSchemaProps {
  return { description, type: 'string', ...options };
}

export function integer(description: string, options: Options = {}): JSONSchemaProps {
  return { description, type: 'integer', ...options };
}

export function number(description: string, options: Options = {}): JSONSchemaProps {
  return { description, type: 'number', ...options };
}

export function boolean(description: string, options: Options = {}): JSONSchemaProps {
  return { description, type: 'boolean', ...options };
}

export function dateTime(description: string): JSONSchemaProps {
  return string(description, { format: 'date-time' });
}

export function stringEnum(description: string, values: readonly string[], options: Options = {}): JSONSchemaProps {
  return string(description, { enum: [...values], ...options });
}

export function stringMap(description: string): JSONSchemaProps {
  return { description, type: 'object', additionalProperties: { type: 'string' } };
}
