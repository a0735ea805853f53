// Validators of Reserve and ReserveSet objects, compiled once with ajv from the same CRD schemas
// that the apiserver enforces. They check what the apiserver checks on create, except that
// transition rules (those that read oldSelf) need the previous object and are skipped.

import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

import { reserveCrd, reserveSetCrd, type CustomResourceDefinition } from './crds.js';
import { fieldErrorMessage, type FieldError } from './field-error.js';
import { fieldPath } from './field-path.js';
import type { JSONSchemaProps, ValidationRule } from './openapi.js';
import { ruleCheckFor, type RuleViolation } from './rule-checks.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time', 'int32', 'int64']);
ajv.addKeyword({
  keyword: 'x-kubernetes-validations',
  schemaType: 'array',
  errors: true,
  validate: validateRules,
});
ajv.addKeyword({
  keyword: 'x-kubernetes-list-map-keys',
  schemaType: 'array',
  type: 'array',
  errors: true,
  validate: validateListMapKeys,
});

interface KindValidator {
  schema: JSONSchemaProps;
  validate: ValidateFunction;
}

const reserveValidator = compile(reserveCrd);
const reserveSetValidator = compile(reserveSetCrd);

/** Validates a Reserve against its CRD schema and returns every error found. */
export function validateReserve(object: unknown): FieldError[] {
  return run(reserveValidator, object);
}

/** Validates a ReserveSet against its CRD schema and returns every error found. */
export function validateReserveSet(object: unknown): FieldError[] {
  return run(reserveSetValidator, object);
}

function compile(crd: CustomResourceDefinition): KindValidator {
  const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const converted = toAjvSchema(schema) as { properties: Record<string, Record<string, unknown>> };
  // The apiserver checks ObjectMeta itself and ignores the CRD schema for it, so the
  // validators accept every metadata field, as the apiserver does.
  delete converted.properties.metadata!.additionalProperties;
  return { schema, validate: ajv.compile(converted) };
}

function run(validator: KindValidator, object: unknown): FieldError[] {
  if (validator.validate(object)) return [];
  return (validator.validate.errors ?? []).map((error) => toFieldError(error, validator.schema));
}

/**
 * Converts a CRD schema into the equivalent JSON schema for ajv. The apiserver rejects unknown
 * fields under strict field validation, which kubectl requests, so every object with declared
 * properties gets `additionalProperties: false` unless it preserves unknown fields.
 */
function toAjvSchema(node: JSONSchemaProps): AnySchema {
  const { description: _description, properties, items, additionalProperties, ...rest } = node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    switch (key) {
      case 'x-kubernetes-int-or-string':
        result.type = ['integer', 'string'];
        break;
      case 'x-kubernetes-list-type':
        if (value === 'set') result.uniqueItems = true;
        break;
      case 'x-kubernetes-validations':
        // Look the checks up now, so a rule without one fails at load time.
        (value as ValidationRule[]).filter((rule) => !isTransitionRule(rule)).forEach(ruleCheckFor);
        result[key] = value;
        break;
      case 'x-kubernetes-map-type':
      case 'x-kubernetes-preserve-unknown-fields':
        break;
      default:
        result[key] = value;
    }
  }
  if (properties !== undefined) {
    result.properties = Object.fromEntries(
      Object.entries(properties).map(([name, property]) => [name, toAjvSchema(property)]),
    );
    if (!node['x-kubernetes-preserve-unknown-fields']) result.additionalProperties = false;
  }
  if (additionalProperties !== undefined) result.additionalProperties = toAjvSchema(additionalProperties);
  if (items !== undefined) result.items = toAjvSchema(items);
  return result;
}

function isTransitionRule(rule: ValidationRule): boolean {
  return rule.rule.includes('oldSelf');
}

interface KeywordError {
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

type KeywordFunction = { errors?: KeywordError[] };

/** Runs the TypeScript equivalent of each CEL rule that does not read oldSelf. */
function validateRules(rules: ValidationRule[], data: unknown): boolean {
  const errors: KeywordError[] = [];
  for (const rule of rules) {
    if (isTransitionRule(rule)) continue;
    for (const violation of ruleCheckFor(rule)(data)) {
      errors.push({ keyword: 'x-kubernetes-validations', message: rule.message, params: { ...violation } });
    }
  }
  (validateRules as KeywordFunction).errors = errors;
  return errors.length === 0;
}

/** Rejects two list items with the same key, after applying the defaults of the key fields. */
function validateListMapKeys(keys: string[], data: unknown, parentSchema?: AnySchema): boolean {
  const itemSchema = (parentSchema as { items?: { properties?: Record<string, { default?: unknown }> } }).items;
  const seen = new Set<string>();
  const errors: KeywordError[] = [];
  (data as unknown[]).forEach((item, index) => {
    if (item === null || typeof item !== 'object') return;
    const key = Object.fromEntries(
      keys.map((name) => [name, (item as Record<string, unknown>)[name] ?? itemSchema?.properties?.[name]?.default]),
    );
    const encoded = JSON.stringify(key);
    if (seen.has(encoded)) {
      errors.push({ keyword: 'x-kubernetes-list-map-keys', message: 'Duplicate value', params: { index, key } });
    }
    seen.add(encoded);
  });
  (validateListMapKeys as KeywordFunction).errors = errors;
  return errors.length === 0;
}

function toFieldError(error: ErrorObject, schema: JSONSchemaProps): FieldError {
  const segments = pointerSegments(error.instancePath);
  const value: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const at = (...extra: (string | number)[]) => fieldPath(schema, [...segments, ...extra]);

  switch (error.keyword) {
    case 'required':
      return { path: at(String(params.missingProperty)), type: 'Required', message: 'Required value' };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const unknownValue = (value as Record<string, unknown>)[name];
      return { path: at(name), type: 'Forbidden', value: unknownValue, message: 'field not declared in schema' };
    }
    case 'enum': {
      const supported = (params.allowedValues as unknown[]).map((allowed) => JSON.stringify(allowed)).join(', ');
      return fieldError(at(), 'NotSupported', value, `supported values: ${supported}`);
    }
    case 'maxLength':
      return fieldError(at(), 'TooLong', value, `may not be more than ${String(params.limit)} bytes`);
    case 'maxItems': {
      const count = Array.isArray(value) ? value.length : 0;
      return fieldError(at(), 'TooMany', value, `${count}: must have at most ${String(params.limit)} items`);
    }
    case 'uniqueItems': {
      const index = Math.max(Number(params.i), Number(params.j));
      const item = (value as unknown[])[index];
      return fieldError(at(index), 'Duplicate', item, 'must be unique in a set');
    }
    case 'x-kubernetes-list-map-keys':
      return fieldError(at(Number(params.index)), 'Duplicate', params.key, 'must be unique in the list');
    case 'x-kubernetes-validations': {
      const violation = params as unknown as RuleViolation;
      const subValue = violation.subPath.reduce<unknown>(
        (parent, key) => (parent as Record<string | number, unknown> | undefined)?.[key],
        value,
      );
      return fieldError(at(...violation.subPath), violation.type, subValue, error.message ?? '');
    }
    default:
      return fieldError(at(), 'Invalid', value, invalidDetail(error));
  }
}

function invalidDetail(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'minimum':
      return `must be greater than or equal to ${String(params.limit)}`;
    case 'maximum':
      return `must be less than or equal to ${String(params.limit)}`;
    case 'minLength':
      return `must be at least ${String(params.limit)} characters`;
    case 'pattern':
      return `must match the regular expression '${String(params.pattern)}'`;
    case 'type':
      return `must be of type ${[params.type].flat().join(' or ')}`;
    case 'format':
      return `must be a valid ${String(params.format)}`;
    default:
      return error.message ?? 'invalid';
  }
}

function fieldError(path: string, type: FieldError['type'], value: unknown, detail: string): FieldError {
  return { path, type, value, message: fieldErrorMessage(type, value, detail) };
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}
