import {
  ABSOLUTE_MAX_REPLICAS,
  formatFieldError,
  MAX_RESERVE_NAME_LENGTH,
  MAX_RESERVESET_NAME_LENGTH,
  MAX_VOLUME_CLAIM_TEMPLATES,
  validateReserve,
  validateReserveSet,
  type FieldError,
  type Reserve,
  type ReserveSet,
} from '../../../src/schema/index.js';
import { exampleReserveSet, reserve, withField, withoutField, type Modifier } from './builders.js';

const container = ['spec', 'template', 'spec', 'containers', 0];

function claimedBy(user: string): Modifier<Reserve> {
  return withField(['spec', 'claim'], { user, groups: ['dev'], time: '2026-12-04T10:00:00Z', reserveSet: 'pool' });
}

function volumeClaimTemplates(names: string[]): Modifier<Reserve | ReserveSet> {
  return withField(
    ['spec', 'volumeClaimTemplates'],
    names.map((name) => ({ metadata: { name }, spec: { resources: { requests: { storage: '1Gi' } } } })),
  );
}

describe('validateReserveSet', () => {
  const accepted: [string, ReserveSet][] = [
    ['the getting-started example', exampleReserveSet()],
    ['zero replicas', exampleReserveSet(withField(['spec', 'replicas'], 0))],
    ['the absolute maximum of replicas', exampleReserveSet(withField(['spec', 'replicas'], ABSOLUTE_MAX_REPLICAS))],
    ['maxUnavailable as a number', exampleReserveSet(withField(['spec', 'updateStrategy'], { maxUnavailable: 2 }))],
    ['maxUnavailable of 100%', exampleReserveSet(withField(['spec', 'updateStrategy'], { type: 'OnDelete', maxUnavailable: '100%' }))],
    ['a name at the maximum length', exampleReserveSet(withField(['metadata', 'name'], 'a'.repeat(MAX_RESERVESET_NAME_LENGTH)))],
  ];

  test.each(accepted)('accepts %s', (_name, object) => {
    expect(validateReserveSet(object)).toEqual([]);
  });

  const rejected: [string, ReserveSet, Pick<FieldError, 'path' | 'type'>][] = [
    [
      'an unknown pod template field',
      exampleReserveSet(withField([...container, 'imagePullPolicyy'], 'Always')),
      { path: 'spec.template.spec.containers[0].imagePullPolicyy', type: 'Forbidden' },
    ],
    ['negative replicas', exampleReserveSet(withField(['spec', 'replicas'], -1)), { path: 'spec.replicas', type: 'Invalid' }],
    [
      'replicas above the absolute maximum',
      exampleReserveSet(withField(['spec', 'replicas'], ABSOLUTE_MAX_REPLICAS + 1)),
      { path: 'spec.replicas', type: 'Invalid' },
    ],
    ['a missing template', exampleReserveSet(withoutField(['spec', 'template'])), { path: 'spec.template', type: 'Required' }],
    [
      'an unknown update strategy',
      exampleReserveSet(withField(['spec', 'updateStrategy'], { type: 'Rolling' })),
      { path: 'spec.updateStrategy.type', type: 'NotSupported' },
    ],
    [
      'maxUnavailable above 100%',
      exampleReserveSet(withField(['spec', 'updateStrategy'], { maxUnavailable: '150%' })),
      { path: 'spec.updateStrategy.maxUnavailable', type: 'Invalid' },
    ],
    [
      'a negative maxUnavailable',
      exampleReserveSet(withField(['spec', 'updateStrategy'], { maxUnavailable: -1 })),
      { path: 'spec.updateStrategy.maxUnavailable', type: 'Invalid' },
    ],
    [
      'a name too long for member names',
      exampleReserveSet(withField(['metadata', 'name'], 'a'.repeat(MAX_RESERVESET_NAME_LENGTH + 1))),
      { path: 'metadata.name', type: 'TooLong' },
    ],
    [
      'ephemeral containers',
      exampleReserveSet(withField(['spec', 'template', 'spec', 'ephemeralContainers'], [{ name: 'debug', image: 'busybox' }])),
      { path: 'spec.template.spec.ephemeralContainers', type: 'Forbidden' },
    ],
  ];

  test.each(rejected)('rejects %s', (_name, object, expected) => {
    expect(validateReserveSet(object)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('validateReserve', () => {
  const accepted: [string, Reserve][] = [
    ['a standalone Reserve', reserve('dev-box')],
    ['a claimed Reserve', reserve('dev-box', claimedBy('alice'))],
    ['no volume claim templates', reserve('dev-box', withoutField(['spec', 'volumeClaimTemplates']))],
    ['a paused Reserve that keeps its claims', reserve('dev-box', withField(['spec', 'paused'], true), withField(['spec', 'persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Retain' }))],
    ['a quantity written as a number', reserve('dev-box', withField(['spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage'], 1073741824))],
    ['one port over two protocols', reserve('dev-box', withField([...container, 'ports'], [{ containerPort: 53 }, { containerPort: 53, protocol: 'UDP' }]))],
    ['a name at the maximum length', reserve('a'.repeat(MAX_RESERVE_NAME_LENGTH))],
    [
      'metadata as the apiserver stores it',
      reserve(
        'dev-box',
        withField(['metadata', 'namespace'], 'agents'),
        withField(['metadata', 'uid'], '8f7e6d5c-0000-4000-8000-000000000001'),
        withField(['metadata', 'resourceVersion'], '42'),
        withField(['metadata', 'labels'], { app: 'agent' }),
        withField(['metadata', 'managedFields'], [{ manager: 'kubectl', operation: 'Apply' }]),
      ),
    ],
    ['the maximum number of volume claim templates', reserve('dev-box', volumeClaimTemplates(Array.from({ length: MAX_VOLUME_CLAIM_TEMPLATES }, (_, i) => `data-${i}`)))],
  ];

  test.each(accepted)('accepts %s', (_name, object) => {
    expect(validateReserve(object)).toEqual([]);
  });

  const rejected: [string, Reserve, Pick<FieldError, 'path' | 'type'>][] = [
    ['a missing template', reserve('dev-box', withoutField(['spec', 'template'])), { path: 'spec.template', type: 'Required' }],
    ['a template without spec', reserve('dev-box', withoutField(['spec', 'template', 'spec'])), { path: 'spec.template.spec', type: 'Required' }],
    ['a container without name', reserve('dev-box', withoutField([...container, 'name'])), { path: 'spec.template.spec.containers[0].name', type: 'Required' }],
    ['an unknown resume placement', reserve('dev-box', withField(['spec', 'resumePlacement'], 'Anywhere')), { path: 'spec.resumePlacement', type: 'NotSupported' }],
    [
      'an unknown retention policy',
      reserve('dev-box', withField(['spec', 'persistentVolumeClaimRetentionPolicy'], { whenDeleted: 'Keep' })),
      { path: 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted', type: 'NotSupported' },
    ],
    ['an unknown image pull policy', reserve('dev-box', withField([...container, 'imagePullPolicy'], 'Sometimes')), { path: 'spec.template.spec.containers[0].imagePullPolicy', type: 'NotSupported' }],
    ['a paused flag that is not a boolean', reserve('dev-box', withField(['spec', 'paused'], 'yes')), { path: 'spec.paused', type: 'Invalid' }],
    ['template metadata other than labels and annotations', reserve('dev-box', withField(['spec', 'template', 'metadata', 'name'], 'x')), { path: 'spec.template.metadata.name', type: 'Forbidden' }],
    ['a label value that is not a string', reserve('dev-box', withField(['spec', 'template', 'metadata', 'labels', 'tier'], 1)), { path: 'spec.template.metadata.labels[tier]', type: 'Invalid' }],
    ['two containers with one name', reserve('dev-box', withField(['spec', 'template', 'spec', 'containers', 1], { name: 'main', image: 'busybox' })), { path: 'spec.template.spec.containers[1]', type: 'Duplicate' }],
    [
      'one port twice once the protocol is defaulted',
      reserve('dev-box', withField([...container, 'ports'], [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }])),
      { path: 'spec.template.spec.containers[0].ports[1]', type: 'Duplicate' },
    ],
    ['a volume claim template name that is not a DNS-1123 label', reserve('dev-box', volumeClaimTemplates(['Home'])), { path: 'spec.volumeClaimTemplates[0].metadata.name', type: 'Invalid' }],
    ['a volume claim template name longer than a label', reserve('dev-box', volumeClaimTemplates(['a'.repeat(64)])), { path: 'spec.volumeClaimTemplates[0].metadata.name', type: 'TooLong' }],
    ['two volume claim templates with one name', reserve('dev-box', volumeClaimTemplates(['home', 'cache', 'home'])), { path: 'spec.volumeClaimTemplates[2].metadata.name', type: 'Duplicate' }],
    [
      'more volume claim templates than the maximum',
      reserve('dev-box', volumeClaimTemplates(Array.from({ length: MAX_VOLUME_CLAIM_TEMPLATES + 1 }, (_, i) => `data-${i}`))),
      { path: 'spec.volumeClaimTemplates', type: 'TooMany' },
    ],
    ['a claim without user', reserve('dev-box', claimedBy('alice'), withoutField(['spec', 'claim', 'user'])), { path: 'spec.claim.user', type: 'Required' }],
    ['a claim time that is not a timestamp', reserve('dev-box', claimedBy('alice'), withField(['spec', 'claim', 'time'], 'yesterday')), { path: 'spec.claim.time', type: 'Invalid' }],
    ['a name longer than a hostname', reserve('a'.repeat(MAX_RESERVE_NAME_LENGTH + 1)), { path: 'metadata.name', type: 'TooLong' }],
    ['a missing spec', reserve('dev-box', withoutField(['spec'])), { path: 'spec', type: 'Required' }],
  ];

  test.each(rejected)('rejects %s', (_name, object, expected) => {
    expect(validateReserve(object)).toContainEqual(expect.objectContaining(expected));
  });
});

describe('field errors', () => {
  test('unknown field error names path and value', () => {
    const errors = validateReserveSet(exampleReserveSet(withField([...container, 'imagePullPolicyy'], 'Always')));

    expect(errors).toHaveLength(1);
    expect(errors[0]!.value).toBe('Always');
    expect(formatFieldError(errors[0]!)).toBe(
      'spec.template.spec.containers[0].imagePullPolicyy: field not declared in schema',
    );
  });

  test('unsupported value lists the supported values', () => {
    const [error] = validateReserve(reserve('dev-box', withField(['spec', 'resumePlacement'], 'Anywhere')));

    expect(error?.message).toBe(
      'Unsupported value: "Anywhere": supported values: "PreferLastNode", "RequireLastNode", "None"',
    );
  });

  test('every error of an object is returned', () => {
    const errors = validateReserveSet(
      exampleReserveSet(withField(['spec', 'replicas'], -1), withField(['spec', 'resumePlacement'], 'Anywhere')),
    );

    expect(errors.map((error) => error.path).sort()).toEqual(['spec.replicas', 'spec.resumePlacement']);
  });
});
