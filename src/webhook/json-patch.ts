// Builds RFC 6902 JSON patches against the object of an admission request.
import { isDeepStrictEqual } from 'node:util';

export type JsonPatchOperation =
  | { op: 'add' | 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** A step in a path: a map key or an index into an existing array element. */
export type PathSegment = string | number;

/** Escapes a map key for a JSON pointer (RFC 6901): `~` becomes `~0`, then `/` becomes `~1`. */
export function escapePointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function toPointer(segments: readonly PathSegment[]): string {
  return segments.map((segment) => `/${escapePointerSegment(String(segment))}`).join('');
}

/**
 * Records patch operations and applies each one to a private copy of the document, so that
 * later operations see earlier ones. Setting a value that is already there records nothing,
 * which keeps a mutation idempotent. Setting a value under a missing (or null) map adds the
 * whole missing map in one operation, because the apiserver rejects an `add` whose parent
 * does not exist.
 */
export class JsonPatchBuilder {
  private readonly document: unknown;
  private readonly recorded: JsonPatchOperation[] = [];

  constructor(original: unknown) {
    this.document = cloneJson(original);
  }

  operations(): JsonPatchOperation[] {
    return [...this.recorded];
  }

  /** Returns the value at a path of the patched document, or undefined. */
  get(segments: readonly PathSegment[]): unknown {
    let current: unknown = this.document;
    for (const segment of segments) {
      current = childOf(current, segment);
    }
    return current;
  }

  set(segments: readonly PathSegment[], value: unknown): void {
    const last = lastSegment(segments);
    let parent: unknown = this.document;
    for (let i = 0; i < segments.length - 1; i++) {
      const segment = segments[i] as PathSegment;
      const child = childOf(parent, segment);
      if (!isContainerFor(child, segments[i + 1] as PathSegment)) {
        this.write(parent, segments.slice(0, i + 1), nest(segments.slice(i + 1), value));
        return;
      }
      parent = child;
    }
    const existing = childOf(parent, last);
    if (existing !== undefined && isDeepStrictEqual(existing, value)) {
      return;
    }
    this.write(parent, segments, value);
  }

  remove(segments: readonly PathSegment[]): void {
    const last = lastSegment(segments);
    const parent = this.get(segments.slice(0, -1));
    if (childOf(parent, last) === undefined) {
      return;
    }
    if (Array.isArray(parent)) {
      parent.splice(last as number, 1);
    } else {
      delete (parent as Record<string, unknown>)[String(last)];
    }
    this.recorded.push({ op: 'remove', path: toPointer(segments) });
  }

  private write(parent: unknown, segments: readonly PathSegment[], value: unknown): void {
    const key = lastSegment(segments);
    const exists = childOf(parent, key) !== undefined;
    if (typeof key === 'number') {
      if (!Array.isArray(parent) || !exists) {
        throw new Error(`cannot set ${toPointer(segments)}: only existing array elements can be replaced`);
      }
      parent[key] = cloneJson(value);
    } else {
      defineOwn(parent as Record<string, unknown>, key, cloneJson(value));
    }
    this.recorded.push({ op: exists ? 'replace' : 'add', path: toPointer(segments), value });
  }
}

function lastSegment(segments: readonly PathSegment[]): PathSegment {
  const last = segments.at(-1);
  if (last === undefined) {
    throw new Error('a patch path needs at least one segment; the document root cannot be replaced');
  }
  return last;
}

function childOf(parent: unknown, segment: PathSegment): unknown {
  if (typeof segment === 'number') {
    return Array.isArray(parent) ? parent[segment] : undefined;
  }
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) {
    return undefined;
  }
  return Object.hasOwn(parent, segment) ? (parent as Record<string, unknown>)[segment] : undefined;
}

// A map key needs a non-null, non-array object as parent; an index needs an array.
function isContainerFor(value: unknown, nextSegment: PathSegment): boolean {
  if (typeof nextSegment === 'number') {
    return Array.isArray(value);
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nest(segments: readonly PathSegment[], value: unknown): unknown {
  let nested = value;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] as PathSegment;
    if (typeof segment === 'number') {
      throw new Error(`cannot create array element ${segment} under a missing parent`);
    }
    const map: Record<string, unknown> = {};
    defineOwn(map, segment, nested);
    nested = map;
  }
  return nested;
}

// Copies a JSON value into arrays and objects of this realm. structuredClone returns objects
// of the outer realm when called inside a VM context (as in Jest's ESM mode), and
// isDeepStrictEqual, which compares prototypes, would then never match values built here.
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(cloneJson);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    defineOwn(copy, key, cloneJson(child));
  }
  return copy;
}

// Defines the key as an own property even when it is `__proto__`, which plain assignment
// would treat as the prototype.
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
