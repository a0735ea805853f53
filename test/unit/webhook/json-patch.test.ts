import * as jsonpatch from 'fast-json-patch';
import { escapePointerSegment, JsonPatchBuilder, toPointer, type PathSegment } from '../../../src/webhook/json-patch.js';

/** Applies the builder's operations to `original` as the apiserver does, validating each one. */
function applied(original: unknown, builder: JsonPatchBuilder): unknown {
  const operations = builder.operations() as jsonpatch.Operation[];
  return jsonpatch.applyPatch(original, operations, true, false).newDocument;
}

describe('escapePointerSegment', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['pool.w-h-a.io/reserve', 'pool.w-h-a.io~1reserve'],
    ['a~b', 'a~0b'],
    ['~1', '~01'],
    ['/~', '~1~0'],
  ];

  test.each(cases)('escapes %s', (key, escaped) => {
    expect(escapePointerSegment(key)).toBe(escaped);
  });

  test('builds a pointer from segments', () => {
    expect(toPointer(['metadata', 'labels', 'a/b~c', 0])).toBe('/metadata/labels/a~1b~0c/0');
  });
});

describe('JsonPatchBuilder', () => {
  test('adds a missing parent map whole', () => {
    const original = { spec: {} };
    const builder = new JsonPatchBuilder(original);
    builder.set(['spec', 'template', 'metadata', 'labels', 'app'], 'notebook');

    expect(builder.operations()).toEqual([
      { op: 'add', path: '/spec/template', value: { metadata: { labels: { app: 'notebook' } } } },
    ]);
    expect(applied(original, builder)).toEqual({ spec: { template: { metadata: { labels: { app: 'notebook' } } } } });
  });

  test('adds a missing document root map', () => {
    const original = {};
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'labels', 'team'], 'a');

    expect(builder.operations()).toEqual([{ op: 'add', path: '/metadata', value: { labels: { team: 'a' } } }]);
    expect(applied(original, builder)).toEqual({ metadata: { labels: { team: 'a' } } });
  });

  test('replaces a null parent', () => {
    const original = { metadata: { labels: null } };
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'labels', 'team'], 'a');

    expect(builder.operations()).toEqual([{ op: 'replace', path: '/metadata/labels', value: { team: 'a' } }]);
    expect(applied(original, builder)).toEqual({ metadata: { labels: { team: 'a' } } });
  });

  test('replaces a parent of another type', () => {
    const original = { metadata: { labels: 'team=a' } };
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'labels', 'team'], 'a');

    expect(applied(original, builder)).toEqual({ metadata: { labels: { team: 'a' } } });
  });

  test('escapes keys in paths', () => {
    const original = { metadata: { labels: {} } };
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'labels', 'pool.w-h-a.io/reserve'], 'r');
    builder.set(['metadata', 'labels', 'odd~key'], 'x');

    expect(builder.operations().map((operation) => operation.path)).toEqual([
      '/metadata/labels/pool.w-h-a.io~1reserve',
      '/metadata/labels/odd~0key',
    ]);
    expect(applied(original, builder)).toEqual({ metadata: { labels: { 'pool.w-h-a.io/reserve': 'r', 'odd~key': 'x' } } });
  });

  test('escapes keys of added parents', () => {
    const original = { metadata: {} };
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'annotations/x', 'a~b/c'], 'v');

    expect(builder.operations()).toEqual([{ op: 'add', path: '/metadata/annotations~1x', value: { 'a~b/c': 'v' } }]);
    expect(applied(original, builder)).toEqual({ metadata: { 'annotations/x': { 'a~b/c': 'v' } } });
  });

  test('records nothing for an equal value', () => {
    const builder = new JsonPatchBuilder({ spec: { claim: { user: 'alice', groups: ['a', 'b'] } } });
    builder.set(['spec', 'claim'], { user: 'alice', groups: ['a', 'b'] });

    expect(builder.operations()).toEqual([]);
  });

  test('replaces a different value', () => {
    const original = { spec: { paused: true } };
    const builder = new JsonPatchBuilder(original);
    builder.set(['spec', 'paused'], false);

    expect(builder.operations()).toEqual([{ op: 'replace', path: '/spec/paused', value: false }]);
    expect(applied(original, builder)).toEqual({ spec: { paused: false } });
  });

  test('replaces an array element field', () => {
    const original = { containers: [{ name: 'a' }, { name: 'b', imagePullPolicy: 'Always' }] };
    const builder = new JsonPatchBuilder(original);
    builder.set(['containers', 0, 'imagePullPolicy'], 'IfNotPresent');
    builder.set(['containers', 1, 'imagePullPolicy'], 'IfNotPresent');

    expect(builder.operations()).toEqual([
      { op: 'add', path: '/containers/0/imagePullPolicy', value: 'IfNotPresent' },
      { op: 'replace', path: '/containers/1/imagePullPolicy', value: 'IfNotPresent' },
    ]);
    expect(applied(original, builder)).toEqual({
      containers: [
        { name: 'a', imagePullPolicy: 'IfNotPresent' },
        { name: 'b', imagePullPolicy: 'IfNotPresent' },
      ],
    });
  });

  test('records nothing to remove an absent key', () => {
    const builder = new JsonPatchBuilder({ metadata: { labels: { team: 'a' } } });
    builder.remove(['metadata', 'labels', 'missing']);
    builder.remove(['metadata', 'annotations', 'missing']);
    builder.remove(['metadata', 'ownerReferences', 0]);

    expect(builder.operations()).toEqual([]);
  });

  test('removes array elements in order', () => {
    const original = { metadata: { ownerReferences: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    const builder = new JsonPatchBuilder(original);
    builder.remove(['metadata', 'ownerReferences', 0]);
    builder.remove(['metadata', 'ownerReferences', 1]);

    expect(builder.get(['metadata', 'ownerReferences'])).toEqual([{ name: 'b' }]);
    expect(applied(original, builder)).toEqual({ metadata: { ownerReferences: [{ name: 'b' }] } });
  });

  test('sees its own earlier operations', () => {
    const builder = new JsonPatchBuilder({ spec: {} });
    builder.set(['spec', 'template', 'metadata', 'labels', 'a'], '1');
    builder.set(['spec', 'template', 'metadata', 'labels', 'b'], '2');

    expect(builder.get(['spec', 'template', 'metadata', 'labels'])).toEqual({ a: '1', b: '2' });
    expect(builder.operations()).toHaveLength(2);
    expect(builder.operations()[1]).toEqual({ op: 'add', path: '/spec/template/metadata/labels/b', value: '2' });
  });

  test('leaves the original untouched', () => {
    const original = { metadata: { labels: { team: 'a' }, ownerReferences: [{ name: 'a' }] } };
    const builder = new JsonPatchBuilder(original);
    builder.set(['metadata', 'labels', 'team'], 'b');
    builder.remove(['metadata', 'ownerReferences', 0]);

    expect(original).toEqual({ metadata: { labels: { team: 'a' }, ownerReferences: [{ name: 'a' }] } });
  });

  test('defines __proto__ as an own key', () => {
    const builder = new JsonPatchBuilder({ metadata: {} });
    builder.set(['metadata', 'labels', '__proto__'], 'x');

    const labels = builder.get(['metadata', 'labels']) as object;
    expect(Object.hasOwn(labels, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  const invalidPaths: [string, PathSegment[], string][] = [
    ['the document root', [], 'at least one segment'],
    ['a missing array element', ['items', 3], 'only existing array elements'],
    ['an element under a missing array', ['spec', 'items', 0, 'name'], 'cannot create array element 0'],
  ];

  test.each(invalidPaths)('rejects a set of %s', (_case, segments, message) => {
    const builder = new JsonPatchBuilder({ items: [1], spec: {} });

    expect(() => builder.set(segments, 'x')).toThrow(message);
  });
});
