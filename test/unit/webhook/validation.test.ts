import type { V1Status } from '@kubernetes/client-node';
import { MAX_RESERVESET_NAME_LENGTH, RESERVE_LABEL } from '../../../src/schema/constants.js';
import type { Reserve, ReserveSet } from '../../../src/schema/types.js';
import type { AdmissionRequest, AdmissionResponse } from '../../../src/webhook/admission-review.js';
import { validate } from '../../../src/webhook/handlers.js';
import {
  admissionContext,
  admissionRequest,
  admit,
  alice,
  changed,
  create,
  MAX_REPLICAS,
  reserve,
  reserveSet,
  update,
  withClaimTemplate,
  withImage,
  withMount,
  withReplicas,
  withUpdateStrategy,
  withVolume,
} from './builders.js';

type TemplateOwner = Reserve | ReserveSet;

interface ExpectedCause {
  field: string;
  reason: string;
  /** Fragments the cause message must contain. */
  fragments: string[];
}

/**
 * Renders a 422 status as kubectl prints a single-cause Invalid error: the kind and name from
 * details, then the field and message of the cause.
 */
function kubectlOutput(status: V1Status | undefined): string {
  const details = status?.details;
  const causes = (details?.causes ?? []).map((cause) => `${cause.field}: ${cause.message}`);
  return `The ${details?.kind} "${details?.name}" is invalid: ${causes.join('\n')}`;
}

function expectInvalid(response: AdmissionResponse): V1Status {
  expect(response.allowed).toBe(false);
  expect(response.status?.code).toBe(422);
  expect(response.status?.reason).toBe('Invalid');
  expect(response.status?.status).toBe('Failure');
  return response.status as V1Status;
}

function expectCause(status: V1Status, expected: ExpectedCause): void {
  const cause = status.details?.causes?.find((candidate) => candidate.field === expected.field);
  expect(cause).toBeDefined();
  expect(cause?.reason).toBe(expected.reason);
  for (const fragment of expected.fragments) {
    expect(cause?.message).toContain(fragment);
  }
}

function withStorage(storage: string) {
  return (object: TemplateOwner) => {
    object.spec.volumeClaimTemplates![0]!.spec.resources!.requests = { storage };
  };
}

function withInitContainerMount(name: string) {
  return (object: TemplateOwner) => {
    object.spec.template.spec.initContainers = [
      { name: 'init', image: 'busybox:1.37', volumeMounts: [{ name, mountPath: '/init' }] },
    ];
  };
}

function withDevice(name: string) {
  return (object: TemplateOwner) => {
    object.spec.template.spec.containers[0]!.volumeDevices = [{ name, devicePath: '/dev/block' }];
  };
}

/** Builds a scale subresource UPDATE of a ReserveSet, as `kubectl scale` sends it. */
function scale(replicas: number, oldReplicas = 3): AdmissionRequest {
  const scaleObject = (count: number) => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'pool', namespace: 'team-a' },
    spec: { replicas: count },
  });
  return {
    ...admissionRequest('UPDATE', reserveSet('pool'), reserveSet('pool'), alice),
    subResource: 'scale',
    kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    object: scaleObject(replicas),
    oldObject: scaleObject(oldReplicas),
  };
}

describe('Reserve volumeClaimTemplates', () => {
  const stored = reserve('r');

  test('rejects a changed claim template', async () => {
    const { validation } = await admit(update(stored, changed(stored, withStorage('20Gi'))), admissionContext());

    const status = expectInvalid(validation);
    expect(status.details?.causes).toHaveLength(1);
    expectCause(status, { field: 'spec.volumeClaimTemplates', reason: 'FieldValueInvalid', fragments: ['"storage":"20Gi"'] });
    expect(status.details?.causes?.[0]?.message).toMatch(/^Invalid value: \[.*\]: field is immutable$/);
  });

  test('renders the immutability error like the apiserver', async () => {
    const { validation } = await admit(update(stored, changed(stored, withStorage('20Gi'))), admissionContext());

    const status = expectInvalid(validation);
    expect(status.message).toMatch(/^Reserve\.pool\.w-h-a\.io "r" is invalid: spec\.volumeClaimTemplates: Invalid value: .*: field is immutable$/);
    expect(status.details).toMatchObject({ group: 'pool.w-h-a.io', kind: 'Reserve', name: 'r' });
    expect(kubectlOutput(status)).toMatch(/^The Reserve "r" is invalid: spec\.volumeClaimTemplates: Invalid value: .*: field is immutable$/);
  });

  const changes: [string, (object: TemplateOwner) => void][] = [
    ['an added claim template', withClaimTemplate('cache')],
    ['a removed claim template', (object) => delete object.spec.volumeClaimTemplates],
    ['a renamed claim template', (object) => (object.spec.volumeClaimTemplates![0]!.metadata.name = 'home')],
  ];

  test.each(changes)('rejects %s', async (_case, modify) => {
    const { validation } = await admit(update(stored, changed(stored, modify)), admissionContext());

    expectCause(expectInvalid(validation), { field: 'spec.volumeClaimTemplates', reason: 'FieldValueInvalid', fragments: ['field is immutable'] });
  });

  test('allows other changes', async () => {
    const { validation } = await admit(update(stored, changed(stored, withImage('registry.example:5000/notebook:1.5.0'))), admissionContext());

    expect(validation.allowed).toBe(true);
  });

  test('allows a replace without defaulted labels', async () => {
    // `kubectl replace` sends the manifest as written, without the labels the mutating
    // webhook added on create.
    const manifest = changed(stored, (object) => {
      delete object.spec.volumeClaimTemplates![0]!.metadata.labels;
      delete object.spec.template.metadata!.labels![RESERVE_LABEL];
    });
    const { validation, object } = await admit(update(stored, manifest), admissionContext());

    expect(validation.status).toBeUndefined();
    expect(validation.allowed).toBe(true);
    expect((object as Reserve).spec.volumeClaimTemplates).toEqual(stored.spec.volumeClaimTemplates);
  });
});

describe('ReserveSet volumeClaimTemplates', () => {
  const stored = reserveSet('pool');

  test('allows a change with a warning', async () => {
    const { validation } = await admit(update(stored, changed(stored, withStorage('20Gi'))), admissionContext());

    expect(validation.allowed).toBe(true);
    expect(validation.warnings).toHaveLength(1);
    expect(validation.warnings?.[0]).toContain('spec.volumeClaimTemplates changed');
    expect(validation.warnings?.[0]).toContain('reaches unclaimed members only');
    expect(validation.warnings?.[0]).toContain('under updateStrategy Replace');
  });

  test('names OnDelete in the warning', async () => {
    const onDelete = reserveSet('pool', withUpdateStrategy('OnDelete'));
    const { validation } = await admit(update(onDelete, changed(onDelete, withStorage('20Gi'))), admissionContext());

    expect(validation.allowed).toBe(true);
    expect(validation.warnings?.[0]).toContain('under updateStrategy OnDelete');
  });

  test('warns about a pod template change', async () => {
    const { validation } = await admit(
      update(stored, changed(stored, withImage('registry.example:5000/notebook:1.5.0'))),
      admissionContext(),
    );

    expect(validation.allowed).toBe(true);
    expect(validation.warnings?.[0]).toContain('spec.template changed');
  });

  test('warns about nothing else', async () => {
    const { validation } = await admit(update(stored, changed(stored, withReplicas(5))), admissionContext());

    expect(validation.allowed).toBe(true);
    expect(validation.warnings).toBeUndefined();
  });
});

describe('volume checks', () => {
  const rejected: [string, (object: TemplateOwner) => void, ExpectedCause][] = [
    [
      'a mistyped mount',
      withMount('dta', '/cache'),
      {
        field: 'spec.template.spec.containers[0].volumeMounts[1].name',
        reason: 'FieldValueNotFound',
        fragments: ['Not found: "dta"', 'the mount at "/cache"', 'did you mean volumeClaimTemplate "data"?'],
      },
    ],
    [
      'a mount of nothing declared',
      withMount('scratch-space', '/scratch'),
      {
        field: 'spec.template.spec.containers[0].volumeMounts[1].name',
        reason: 'FieldValueNotFound',
        fragments: ['the mount at "/scratch"', 'add a volumeClaimTemplate named "scratch-space"'],
      },
    ],
    [
      'a mistyped init container mount',
      withInitContainerMount('dat'),
      {
        field: 'spec.template.spec.initContainers[0].volumeMounts[0].name',
        reason: 'FieldValueNotFound',
        fragments: ['did you mean volumeClaimTemplate "data"?'],
      },
    ],
    [
      'a device of nothing declared',
      withDevice('raw'),
      {
        field: 'spec.template.spec.containers[0].volumeDevices[0].name',
        reason: 'FieldValueNotFound',
        fragments: ['the mount at "/dev/block"'],
      },
    ],
    [
      'a volume shadowing a claim template',
      withVolume('data'),
      {
        field: 'spec.template.spec.volumes[0].name',
        reason: 'FieldValueDuplicate',
        fragments: ['shadows the volumeClaimTemplate "data"'],
      },
    ],
    [
      'a claim template without storage',
      withClaimTemplate('cache', null),
      {
        field: 'spec.volumeClaimTemplates[1].spec.resources.requests.storage',
        reason: 'FieldValueRequired',
        fragments: ['Required value'],
      },
    ],
  ];

  describe.each([
    ['Reserve', (...modifiers: ((object: TemplateOwner) => void)[]) => reserve('r', ...modifiers)],
    ['ReserveSet', (...modifiers: ((object: TemplateOwner) => void)[]) => reserveSet('pool', ...modifiers)],
  ] as const)('of a %s', (_kind, build) => {
    test.each(rejected)('rejects %s', async (_case, modify, cause) => {
      const { validation } = await admit(create(build(modify)), admissionContext());

      expectCause(expectInvalid(validation), cause);
    });

    test('allows a mount of a pod volume', async () => {
      const { validation } = await admit(create(build(withVolume('cache'), withMount('cache', '/cache'))), admissionContext());

      expect(validation.status).toBeUndefined();
      expect(validation.allowed).toBe(true);
    });

    test('allows a mount of a second claim template', async () => {
      const { validation } = await admit(create(build(withClaimTemplate('cache'), withMount('cache', '/cache'))), admissionContext());

      expect(validation.status).toBeUndefined();
      expect(validation.allowed).toBe(true);
    });
  });

  test('reports every error at once', async () => {
    const object = reserve('r', withMount('scratch-space', '/scratch'), withVolume('data'), withClaimTemplate('cache', null));
    const { validation } = await admit(create(object), admissionContext());

    const fields = expectInvalid(validation).details?.causes?.map((cause) => cause.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'spec.template.spec.containers[0].volumeMounts[1].name',
        'spec.template.spec.volumes[0].name',
        'spec.volumeClaimTemplates[1].spec.resources.requests.storage',
      ]),
    );
  });
});

describe('replicas', () => {
  test('rejects replicas above the cap', async () => {
    const { validation } = await admit(create(reserveSet('pool', withReplicas(MAX_REPLICAS + 1))), admissionContext());

    expectCause(expectInvalid(validation), {
      field: 'spec.replicas',
      reason: 'FieldValueInvalid',
      fragments: [`Invalid value: ${MAX_REPLICAS + 1}`, `must be no more than ${MAX_REPLICAS}`, '--max-replicas'],
    });
  });

  test('allows replicas at the cap', async () => {
    const { validation } = await admit(create(reserveSet('pool', withReplicas(MAX_REPLICAS))), admissionContext());

    expect(validation.allowed).toBe(true);
  });

  test('rejects a raise above the cap', async () => {
    const stored = reserveSet('pool');
    const { validation } = await admit(update(stored, changed(stored, withReplicas(MAX_REPLICAS + 1))), admissionContext());

    expectCause(expectInvalid(validation), { field: 'spec.replicas', reason: 'FieldValueInvalid', fragments: ['--max-replicas'] });
  });

  test('allows unchanged replicas above a lowered cap', async () => {
    const stored = reserveSet('pool', withReplicas(MAX_REPLICAS + 5));
    const { validation } = await admit(update(stored, changed(stored, withImage('app:2.0', 'IfNotPresent'))), admissionContext());

    expect(validation.allowed).toBe(true);
  });

  test('rejects a scale above the cap', async () => {
    const response = await validate(scale(MAX_REPLICAS + 1), admissionContext());

    const status = expectInvalid(response);
    expect(status.details).toMatchObject({ group: 'autoscaling', kind: 'Scale', name: 'pool' });
    expectCause(status, { field: 'spec.replicas', reason: 'FieldValueInvalid', fragments: ['--max-replicas'] });
  });

  test('allows a scale to the cap', async () => {
    const response = await validate(scale(MAX_REPLICAS), admissionContext());

    expect(response.allowed).toBe(true);
  });
});

describe('derived names', () => {
  const longSetName = 'p'.repeat(MAX_RESERVESET_NAME_LENGTH + 1);

  const rejected: [string, TemplateOwner, ExpectedCause][] = [
    [
      'a Reserve name with a dot',
      reserve('notebook.v2'),
      { field: 'metadata.name', reason: 'FieldValueInvalid', fragments: ['the Pod is named after the Reserve', 'RFC 1123 label'] },
    ],
    [
      'a ReserveSet name with a dot',
      reserveSet('pool.v2'),
      { field: 'metadata.name', reason: 'FieldValueInvalid', fragments: ['members are named <set>-<5 characters>'] },
    ],
    [
      'a ReserveSet name too long for member names',
      reserveSet(longSetName),
      { field: 'metadata.name', reason: 'FieldValueTooLong', fragments: [`at most ${MAX_RESERVESET_NAME_LENGTH} characters`] },
    ],
  ];

  test.each(rejected)('rejects %s', async (_case, object, cause) => {
    const { validation } = await admit(create(object), admissionContext());

    expectCause(expectInvalid(validation), cause);
  });

  test('allows a ReserveSet name at the limit', async () => {
    const { validation } = await admit(create(reserveSet('p'.repeat(MAX_RESERVESET_NAME_LENGTH))), admissionContext());

    expect(validation.allowed).toBe(true);
  });

  test('rejects a PVC name over 253 characters', async () => {
    // The CRD schema caps template names at 63 characters. Without the schema, the webhook
    // alone rejects a template name that makes the PVC name too long.
    const object = reserve('r'.repeat(60), (reserve) => (reserve.spec.volumeClaimTemplates![0]!.metadata.name = 'd'.repeat(200)));
    const response = await validate(create(object), admissionContext({ schemaValidators: {} }));

    expectCause(expectInvalid(response), {
      field: 'spec.volumeClaimTemplates[0].metadata.name',
      reason: 'FieldValueInvalid',
      fragments: ['the PersistentVolumeClaim name', 'must be no more than 253 characters'],
    });
  });

  test('checks PVC names of the longest member name', async () => {
    const object = reserveSet('p'.repeat(MAX_RESERVESET_NAME_LENGTH), (set) => {
      set.spec.volumeClaimTemplates![0]!.metadata.name = 'd'.repeat(253 - MAX_RESERVESET_NAME_LENGTH - 6);
    });
    const response = await validate(create(object), admissionContext({ schemaValidators: {} }));

    expectCause(expectInvalid(response), {
      field: 'spec.volumeClaimTemplates[0].metadata.name',
      reason: 'FieldValueInvalid',
      fragments: ['must be no more than 253 characters'],
    });
  });
});

describe('field errors', () => {
  test('renders several errors in brackets', async () => {
    const object = reserve('r', withMount('scratch-space', '/scratch'), withVolume('data'));
    const { validation } = await admit(create(object), admissionContext());

    const status = expectInvalid(validation);
    expect(status.details?.causes).toHaveLength(2);
    const rendered = (status.details?.causes ?? []).map((cause) => `${cause.field}: ${cause.message}`);
    expect(status.message).toBe(`Reserve.pool.w-h-a.io "r" is invalid: [${rendered.join(', ')}]`);
  });

  test('passes schema errors through', async () => {
    const { validation } = await admit(create(reserveSet('pool', withReplicas(-1))), admissionContext());

    expectCause(expectInvalid(validation), {
      field: 'spec.replicas',
      reason: 'FieldValueInvalid',
      fragments: ['Invalid value: -1', 'must be greater than or equal to 0'],
    });
  });

  test('reports an unknown field as forbidden', async () => {
    const object = reserve('r', (reserve) => Object.assign(reserve.spec, { pausd: true }));
    const { validation } = await admit(create(object), admissionContext());

    expectCause(expectInvalid(validation), { field: 'spec.pausd', reason: 'FieldValueForbidden', fragments: ['not declared'] });
  });

  test('ignores metadata the apiserver manages', async () => {
    const object = reserve('r', (reserve) => {
      Object.assign(reserve.metadata, {
        labels: { team: 'a' },
        annotations: { note: 'x' },
        finalizers: ['example.com/keep'],
        creationTimestamp: '2026-12-04T14:00:00Z',
        managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'pool.w-h-a.io/v1alpha1' }],
      });
    });
    const { validation } = await admit(update(object, changed(object, withImage('app:2.0', 'IfNotPresent'))), admissionContext());

    expect(validation.status).toBeUndefined();
    expect(validation.allowed).toBe(true);
  });
});
