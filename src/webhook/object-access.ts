// Defensive reads of admission objects. The mutating webhook runs before the apiserver
// checks the CRD schema, so any field may be missing or of the wrong type.
import { isRecord } from './admission-review.js';

export function recordAt(value: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let current: unknown = value;
  for (const key of path) {
    current = isRecord(current) && Object.hasOwn(current, key) ? current[key] : undefined;
  }
  return isRecord(current) ? current : undefined;
}

export function valueAt(value: unknown, ...path: string[]): unknown {
  const parent = recordAt(value, ...path.slice(0, -1));
  const key = path.at(-1);
  return parent !== undefined && key !== undefined && Object.hasOwn(parent, key) ? parent[key] : undefined;
}

export function arrayAt(value: unknown, ...path: string[]): unknown[] {
  const found = valueAt(value, ...path);
  return Array.isArray(found) ? found : [];
}

export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = valueAt(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

export function objectName(object: unknown): string {
  return stringAt(object, 'metadata', 'name') ?? '';
}

export function objectNamespace(object: unknown): string {
  return stringAt(object, 'metadata', 'namespace') ?? '';
}

export function labelValue(object: unknown, key: string): string | undefined {
  return stringAt(object, 'metadata', 'labels', key);
}

/** A container of a pod template with its index and list name (`containers` or `initContainers`). */
export interface TemplateContainer {
  list: 'containers' | 'initContainers';
  index: number;
  container: Record<string, unknown>;
}

/** Lists the containers and init containers of `spec.template.spec`; entries that are not objects are skipped. */
export function templateContainers(spec: unknown): TemplateContainer[] {
  const found: TemplateContainer[] = [];
  for (const list of ['containers', 'initContainers'] as const) {
    arrayAt(spec, 'template', 'spec', list).forEach((container, index) => {
      if (isRecord(container)) {
        found.push({ list, index, container });
      }
    });
  }
  return found;
}
