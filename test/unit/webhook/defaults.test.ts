import { GROUP, RESERVE_LABEL, VERSION } from '../../../src/schema/constants.js';
import type { Reserve, ReserveSet } from '../../../src/schema/types.js';
import type { AdmissionRequest } from '../../../src/webhook/admission-review.js';
import { mutate } from '../../../src/webhook/handlers.js';
import {
  admissionContext,
  admit,
  alice,
  changed,
  create,
  patched,
  patchOf,
  remove,
  reserve,
  reserveSet,
  update,
  warmMember,
  withImage,
  withPaused,
} from './builders.js';

type TemplateOwner = Reserve | ReserveSet;

/** Returns a copy without the fields the mutating webhook defaults, as in a manifest written by hand. */
function asWritten<T extends TemplateOwner>(object: T): T {
  return changed(object, (copy) => {
    delete copy.spec.template.metadata?.labels?.[RESERVE_LABEL];
    for (const template of copy.spec.volumeClaimTemplates ?? []) {
      delete template.metadata.labels;
    }
    for (const container of copy.spec.template.spec.containers) {
      delete container.imagePullPolicy;
    }
  });
}

function withInitContainer(imagePullPolicy?: string) {
  return (object: TemplateOwner) => {
    object.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox:1.37', imagePullPolicy }];
  };
}

function withoutTemplateMetadata(object: TemplateOwner): void {
  delete object.spec.template.metadata;
}

function withServerFields(object: TemplateOwner): void {
  Object.assign(object.metadata, {
    managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'pool.w-h-a.io/v1alpha1', fieldsType: 'FieldsV1' }],
    creationTimestamp: '2026-12-04T14:00:00Z',
  });
  Object.assign(object, { status: { phase: 'Running', observedGeneration: 1 } });
}

function mutated<T>(request: AdmissionRequest): T {
  return patched(request.object, mutate(request, admissionContext())) as T;
}

describe('Reserve labels', () => {
  test('labels the pod template', () => {
    const object = mutated<Reserve>(create(asWritten(reserve('r'))));

    expect(object.spec.template.metadata?.labels).toEqual({ app: 'notebook', [RESERVE_LABEL]: 'r' });
  });

  test('labels each claim template', () => {
    const object = mutated<Reserve>(create(asWritten(reserve('r'))));

    expect(object.spec.volumeClaimTemplates?.[0]?.metadata.labels).toEqual({ [RESERVE_LABEL]: 'r' });
  });

  test('adds an absent template metadata map', () => {
    const request = create(changed(asWritten(reserve('r')), withoutTemplateMetadata));
    const response = mutate(request, admissionContext());

    expect(patchOf(response)).toContainEqual({
      op: 'add',
      path: '/spec/template/metadata',
      value: { labels: { [RESERVE_LABEL]: 'r' } },
    });
    expect(patched(request.object as Reserve, response).spec.template.metadata).toEqual({ labels: { [RESERVE_LABEL]: 'r' } });
  });

  test('escapes the slash in the label key', () => {
    const response = mutate(create(asWritten(reserve('r'))), admissionContext());

    expect(patchOf(response)).toContainEqual({
      op: 'add',
      path: '/spec/template/metadata/labels/pool.w-h-a.io~1reserve',
      value: 'r',
    });
  });

  test('overwrites a label naming another Reserve', () => {
    const object = mutated<Reserve>(
      create(changed(reserve('r'), (copy) => (copy.spec.template.metadata!.labels![RESERVE_LABEL] = 'other'))),
    );

    expect(object.spec.template.metadata?.labels?.[RESERVE_LABEL]).toBe('r');
  });

  test('labels the pod template on update', () => {
    const stored = reserve('r');
    const object = mutated<Reserve>(update(stored, asWritten(stored)));

    expect(object.spec.template.metadata?.labels?.[RESERVE_LABEL]).toBe('r');
  });

  test('restores a stored claim template label', () => {
    const stored = reserve('r');
    const object = mutated<Reserve>(update(stored, asWritten(stored)));

    expect(object.spec.volumeClaimTemplates).toEqual(stored.spec.volumeClaimTemplates);
  });

  test('adds no claim template label on update', () => {
    // A Reserve created with generateName got no labels on create, and its claim templates
    // cannot change afterwards.
    const stored = asWritten(reserve('r'));
    const object = mutated<Reserve>(update(stored, changed(stored, withPaused(true))));

    expect(object.spec.volumeClaimTemplates).toEqual(stored.spec.volumeClaimTemplates);
  });

  test('skips labels without a name', () => {
    const object = changed(asWritten(reserve('r')), (copy) => {
      delete copy.metadata.name;
      copy.metadata.generateName = 'r-';
    });
    const labels = mutated<Reserve>(create(object)).spec.template.metadata?.labels;

    expect(labels?.[RESERVE_LABEL]).toBeUndefined();
  });

  test('leaves ReserveSet templates unlabeled', () => {
    const object = mutated<ReserveSet>(create(reserveSet('pool')));

    expect(object.spec.template.metadata?.labels).toEqual({ app: 'notebook' });
    expect(object.spec.volumeClaimTemplates?.[0]?.metadata.labels).toBeUndefined();
  });
});

describe('imagePullPolicy', () => {
  test('defaults an unset policy', () => {
    const object = mutated<Reserve>(create(reserve('r', withImage('registry.example:5000/notebook:1.4.2'))));

    expect(object.spec.template.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
  });

  test('defaults an empty policy', () => {
    const object = mutated<Reserve>(create(reserve('r', withImage('registry.example:5000/notebook:1.4.2', ''))));

    expect(object.spec.template.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
  });

  test('defaults init containers', () => {
    const object = mutated<ReserveSet>(create(reserveSet('pool', withInitContainer())));

    expect(object.spec.template.spec.initContainers?.[0]?.imagePullPolicy).toBe('IfNotPresent');
  });

  test.each(['Always', 'Never'])('keeps an explicit %s', (policy) => {
    const object = mutated<Reserve>(create(reserve('r', withImage('registry.example:5000/notebook:1.4.2', policy))));

    expect(object.spec.template.spec.containers[0]?.imagePullPolicy).toBe(policy);
  });
});

describe('image warnings', () => {
  const warned: [string, string][] = [
    ['a latest tag', 'registry.example:5000/notebook:latest'],
    ['no tag', 'notebook'],
    ['a registry port and no tag', 'registry.example:5000/notebook'],
  ];

  test.each(warned)('warns about %s', async (_case, image) => {
    const { mutation, validation } = await admit(create(reserve('r', withImage(image))), admissionContext());
    const object = patched(reserve('r', withImage(image)), mutation);

    expect(object.spec.template.spec.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
    expect(validation.allowed).toBe(true);
    expect(validation.warnings).toHaveLength(1);
    expect(validation.warnings?.[0]).toContain(`spec.template.spec.containers[0].image: "${image}"`);
    expect(validation.warnings?.[0]).toContain('pin a version tag or a digest');
  });

  const quiet: [string, string][] = [
    ['a version tag', 'registry.example:5000/notebook:1.4.2'],
    ['a digest', `notebook@sha256:${'a'.repeat(64)}`],
    ['a latest tag with a digest', `notebook:latest@sha256:${'a'.repeat(64)}`],
  ];

  test.each(quiet)('accepts %s silently', async (_case, image) => {
    const { validation } = await admit(create(reserve('r', withImage(image))), admissionContext());

    expect(validation.allowed).toBe(true);
    expect(validation.warnings).toBeUndefined();
  });

  test('warns about pull policy Always', async () => {
    const { validation } = await admit(
      create(reserve('r', withImage('registry.example:5000/notebook:1.4.2', 'Always'))),
      admissionContext(),
    );

    expect(validation.warnings).toHaveLength(1);
    expect(validation.warnings?.[0]).toContain('imagePullPolicy: Always makes every resume wait for an image pull');
  });

  test('repeats no warning on an unrelated update', async () => {
    const stored = reserve('r', withImage('notebook:latest', 'IfNotPresent'));
    const { validation } = await admit(update(stored, changed(stored, withPaused(true))), admissionContext());

    expect(validation.allowed).toBe(true);
    expect(validation.warnings).toBeUndefined();
  });
});

describe('mutation', () => {
  const requests: [string, AdmissionRequest][] = [
    ['a Reserve create', create(asWritten(reserve('r')))],
    ['a Reserve create without template metadata', create(changed(asWritten(reserve('r')), withoutTemplateMetadata))],
    ['a Reserve create with server fields', create(changed(asWritten(reserve('r')), withServerFields))],
    ['a ReserveSet create', create(changed(asWritten(reserveSet('pool')), withInitContainer(), withServerFields))],
    ['a Reserve replace', update(changed(reserve('r'), withServerFields), changed(asWritten(reserve('r')), withServerFields))],
    ['a claim', update(warmMember('m'), changed(warmMember('m'), withPaused(false), withServerFields), alice)],
  ];

  test.each(requests)('is idempotent for %s', (_case, request) => {
    const first = mutate(request, admissionContext());
    const reinvoked = { ...request, object: patched(request.object, first) };

    expect(patchOf(first)).not.toEqual([]);
    expect(patchOf(mutate(reinvoked, admissionContext()))).toEqual([]);
  });

  test.each(requests)('leaves server fields alone for %s', (_case, request) => {
    const paths = patchOf(mutate(request, admissionContext())).map((operation) => operation.path);

    for (const path of paths) {
      expect(path).not.toMatch(/^\/(status|metadata\/managedFields|metadata\/resourceVersion)(\/|$)/);
    }
  });

  test('keeps server fields unchanged', () => {
    const request = create(changed(asWritten(reserve('r')), withServerFields));
    const before = request.object as Reserve;
    const object = mutated<Reserve>(request);

    expect(object.status).toEqual(before.status);
    expect(object.metadata.managedFields).toEqual(before.metadata.managedFields);
    expect(object.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  const untouched: [string, AdmissionRequest][] = [
    ['a delete', remove(reserve('r'))],
    ['a status update', { ...create(asWritten(reserve('r'))), subResource: 'status' }],
    [
      'a resource of another group',
      { ...create(asWritten(reserve('r'))), resource: { group: 'example.com', version: VERSION, resource: 'reserves' } },
    ],
    [
      'an unknown resource of this group',
      { ...create(asWritten(reserve('r'))), resource: { group: GROUP, version: VERSION, resource: 'reserveclaims' } },
    ],
  ];

  test.each(untouched)('sends no patch for %s', (_case, request) => {
    const response = mutate(request, admissionContext());

    expect(response.allowed).toBe(true);
    expect(response.patch).toBeUndefined();
  });

  const malformed: [string, unknown][] = [
    ['no spec', { metadata: { name: 'r' } }],
    ['containers that are not a list', { metadata: { name: 'r' }, spec: { template: { spec: { containers: 'main' } } } }],
    ['a container that is not an object', { metadata: { name: 'r' }, spec: { template: { spec: { containers: ['main'] } } } }],
    ['null template labels', { metadata: { name: 'r' }, spec: { template: { metadata: { labels: null }, spec: {} } } }],
    ['a claim template that is not an object', { metadata: { name: 'r' }, spec: { volumeClaimTemplates: ['data'] } }],
  ];

  test.each(malformed)('patches an object with %s validly', (_case, object) => {
    const request: AdmissionRequest = { ...create(reserve('r')), object };
    const response = mutate(request, admissionContext());

    expect(response.allowed).toBe(true);
    expect(() => patched(object, response)).not.toThrow();
  });
});
