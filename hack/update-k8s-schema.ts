// Converts the Kubernetes OpenAPI v3 document of core/v1 into the structural schemas that the
// Reserve and ReserveSet CRDs embed for their pod template and volume claim templates, and
// writes them to src/schema/k8s/core-v1.json.
//
// Usage: tsx hack/update-k8s-schema.ts [--version v1.37.2] [--openapi path/to/api__v1_openapi.json]
// Without --openapi the document is read from the Go module cache, downloading the module
// there first if needed.
//
// A CRD schema must be structural: every node has a type, no $ref, allOf, oneOf or anyOf
// outside the int-or-string pattern, and no additionalProperties beside properties. The
// conversion below inlines every reference, turns IntOrString and Quantity into
// `x-kubernetes-int-or-string: true`, and drops the descriptions and every keyword that a
// CRD rejects (patch strategies, unions). It throws on any keyword it does not know, so a
// new Kubernetes version cannot silently lose a constraint.
//
// List markers: `x-kubernetes-list-type` and `x-kubernetes-list-map-keys` are kept. They
// make server-side apply merge the template's containers, env, ports and volumes by key,
// exactly as it merges a Deployment's pod template, so two field managers can own different
// entries. The apiserver also rejects duplicate keys (two containers with the same name)
// before the operator ever creates the Pod. The price: a CRD requires every list-map key to
// be required or defaulted, so the upstream default of each key that is not required is
// kept (a container port's protocol defaults to TCP, an image pull secret's name to "").
// Every other upstream default is dropped. Those defaults are the zero values of Go fields
// (`""`, `0`, `{}`) plus a few volume-plugin settings, and the Pod API applies them itself
// when the operator creates the Pod. Dropping them keeps the stored template as the user
// wrote it.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const KUBERNETES_MODULE = 'k8s.io/kubernetes';
export const KUBERNETES_VERSION = 'v1.37.2';
export const OPENAPI_FILE = 'api/openapi-spec/v3/api__v1_openapi.json';
export const OUTPUT_FILE = fileURLToPath(new URL('../src/schema/k8s/core-v1.json', import.meta.url));

/** The definitions that reserve embeds, by the key they get in the output file. */
const ROOTS: Record<string, string> = {
  PodSpec: 'io.k8s.api.core.v1.PodSpec',
  PersistentVolumeClaimSpec: 'io.k8s.api.core.v1.PersistentVolumeClaimSpec',
};

const INT_OR_STRING_TYPES = new Set([
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString',
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
]);

/**
 * ObjectMeta appears once below PodSpec: the metadata of an ephemeral volume's claim
 * template. The Pod API accepts only labels and annotations there, so only those are kept.
 */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Keywords copied as they are. */
const KEPT = ['type', 'format', 'required', 'enum', 'x-kubernetes-map-type'] as const;
/** Keywords a CRD rejects or that only document the upstream type. */
const DROPPED = new Set([
  'description',
  'default',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-unions',
  'x-kubernetes-group-version-kind',
]);
/** Keywords handled by the conversion itself. */
const CONVERTED = new Set([
  '$ref',
  'allOf',
  'properties',
  'items',
  'additionalProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);

type OpenApiSchema = Record<string, unknown> & {
  $ref?: string;
  allOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  required?: string[];
  default?: unknown;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
};

interface OpenApiDocument {
  components: { schemas: Record<string, OpenApiSchema> };
}

export interface KubernetesSchemaFile {
  source: { module: string; version: string; file: string };
  schemas: Record<string, unknown>;
}

/** Converts the upstream document into the content of src/schema/k8s/core-v1.json. */
export function convertOpenApi(document: OpenApiDocument, version: string): KubernetesSchemaFile {
  const converter = new Converter(document.components.schemas);
  const schemas: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ROOTS)) {
    schemas[key] = converter.convertNamed(name, []);
  }
  return { source: { module: KUBERNETES_MODULE, version, file: OPENAPI_FILE }, schemas };
}

class Converter {
  constructor(private readonly definitions: Record<string, OpenApiSchema>) {}

  convertNamed(name: string, stack: string[]): OpenApiSchema {
    if (stack.includes(name)) {
      throw new Error(`${name} refers to itself through ${stack.join(' -> ')}: a CRD schema cannot express recursion`);
    }
    if (INT_OR_STRING_TYPES.has(name)) {
      return { 'x-kubernetes-int-or-string': true };
    }
    if (name === OBJECT_META) {
      return labelsAndAnnotations();
    }
    return this.convert(this.resolve(name), [...stack, name]);
  }

  private convert(node: OpenApiSchema, stack: string[]): OpenApiSchema {
    const path = stack.join(' -> ');
    if (node.$ref !== undefined) {
      return this.convertNamed(referenceName(node.$ref), stack);
    }
    const result: OpenApiSchema = node.allOf ? this.convertAllOf(node.allOf, path, stack) : {};
    for (const key of Object.keys(node)) {
      if (!DROPPED.has(key) && !CONVERTED.has(key) && !(KEPT as readonly string[]).includes(key)) {
        throw new Error(`unsupported keyword ${JSON.stringify(key)} in ${path}: teach hack/update-k8s-schema.ts to convert it`);
      }
    }
    for (const key of KEPT) {
      const value: unknown = node[key];
      if (value !== undefined) (result as Record<string, unknown>)[key] = value;
    }
    if (node.properties) {
      result.properties = {};
      for (const [name, property] of Object.entries(node.properties)) {
        result.properties[name] = this.convert(property, stack);
      }
    }
    if (node.additionalProperties !== undefined) {
      if (typeof node.additionalProperties !== 'object' || node.properties) {
        throw new Error(`${path}: additionalProperties must be a schema and cannot sit beside properties in a CRD`);
      }
      result.additionalProperties = this.convert(node.additionalProperties, stack);
    }
    if (node.items) {
      result.items = this.convert(node.items, stack);
      this.convertListType(node, result, path);
    }
    if (result.type === undefined && result['x-kubernetes-int-or-string'] === undefined) {
      throw new Error(`${path}: a node without a type is not structural`);
    }
    return result;
  }

  /** Inlines `allOf: [{$ref}]`, the form OpenAPI v3 uses to put a description or default beside a reference. */
  private convertAllOf(allOf: OpenApiSchema[], path: string, stack: string[]): OpenApiSchema {
    const only = allOf[0];
    if (allOf.length !== 1 || only?.$ref === undefined) {
      throw new Error(`${path}: allOf is only supported with a single $ref`);
    }
    return this.convertNamed(referenceName(only.$ref), stack);
  }

  /** Copies the list markers and the upstream defaults of list-map keys that are not required. */
  private convertListType(node: OpenApiSchema, result: OpenApiSchema, path: string): void {
    const listType = node['x-kubernetes-list-type'];
    if (listType === undefined) return;
    result['x-kubernetes-list-type'] = listType;
    if (listType !== 'map') return;

    const keys = node['x-kubernetes-list-map-keys'] ?? [];
    result['x-kubernetes-list-map-keys'] = keys;
    const upstreamItem = this.dereference(node.items!);
    const item = result.items!;
    for (const key of keys) {
      if (item.required?.includes(key)) continue;
      const upstreamDefault = this.dereference(upstreamItem.properties?.[key] ?? {}).default;
      const property = item.properties?.[key];
      if (upstreamDefault === undefined || property === undefined) {
        throw new Error(`${path}: list-map key ${key} is neither required nor defaulted, which a CRD rejects`);
      }
      property.default = upstreamDefault;
    }
  }

  /** Returns the node with a top-level $ref or single allOf resolved, keeping a sibling default. */
  private dereference(node: OpenApiSchema): OpenApiSchema {
    const reference = node.$ref ?? node.allOf?.[0]?.$ref;
    if (reference === undefined) return node;
    const target = this.resolve(referenceName(reference));
    return node.default === undefined ? target : { ...target, default: node.default };
  }

  private resolve(name: string): OpenApiSchema {
    const definition = this.definitions[name];
    if (definition === undefined) throw new Error(`definition ${name} not found in the OpenAPI document`);
    return definition;
  }
}

function referenceName(reference: string): string {
  return reference.replace(/^#\/components\/schemas\//, '');
}

function labelsAndAnnotations(): OpenApiSchema {
  const stringMap = () => ({ type: 'object', additionalProperties: { type: 'string' } });
  return { type: 'object', properties: { labels: stringMap(), annotations: stringMap() } };
}

/** Finds the OpenAPI document in the Go module cache, downloading the module if needed. */
function locateOpenApi(version: string): string {
  const toolsModule = fileURLToPath(new URL('tools/kubernetes/', import.meta.url));
  const output = execFileSync('go', ['mod', 'download', '-json', `${KUBERNETES_MODULE}@${version}`], {
    cwd: toolsModule,
    encoding: 'utf8',
  });
  const download = JSON.parse(output) as { Dir?: string; Error?: string };
  if (download.Dir === undefined) {
    throw new Error(`go mod download ${KUBERNETES_MODULE}@${version} failed: ${download.Error ?? output}`);
  }
  return join(download.Dir, OPENAPI_FILE);
}

function main(): void {
  const { values } = parseArgs({
    options: { version: { type: 'string', default: KUBERNETES_VERSION }, openapi: { type: 'string' } },
  });
  const openapiPath = values.openapi ?? locateOpenApi(values.version);
  const document = JSON.parse(readFileSync(openapiPath, 'utf8')) as OpenApiDocument;
  const converted = convertOpenApi(document, values.version);
  writeFileSync(OUTPUT_FILE, `${JSON.stringify(converted, null, 2)}\n`);
  console.log(`wrote ${OUTPUT_FILE} from ${openapiPath}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main();
}
