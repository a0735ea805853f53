import type { V1Affinity } from '@kubernetes/client-node';
import { LAST_NODE_PREFERENCE_WEIGHT, withLastNodeAffinity } from '../../../src/reconcile/reserve/placement.js';

const NODE = 'node-7';
const nodeField = { key: 'metadata.name', operator: 'In', values: [NODE] };
const zoneExpression = { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['a'] };
const gpuExpression = { key: 'gpu', operator: 'Exists' };

function templateAffinity(): V1Affinity {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [zoneExpression] }, { matchExpressions: [gpuExpression] }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchExpressions: [gpuExpression] } },
      ],
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
      ],
    },
  };
}

describe('withLastNodeAffinity', () => {
  test('PreferLastNode adds a preferred term', () => {
    const result = withLastNodeAffinity(undefined, 'PreferLastNode', NODE);

    expect(result).toEqual({
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: LAST_NODE_PREFERENCE_WEIGHT, preference: { matchFields: [nodeField] } },
        ],
      },
    });
    expect(LAST_NODE_PREFERENCE_WEIGHT).toBe(100);
  });

  test('PreferLastNode keeps template affinity', () => {
    const template = templateAffinity();

    const result = withLastNodeAffinity(template, 'PreferLastNode', NODE);

    const expected = templateAffinity();
    expected.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution!.push({
      weight: 100,
      preference: { matchFields: [nodeField] },
    });
    expect(result).toEqual(expected);
  });

  test('RequireLastNode adds a required term', () => {
    const result = withLastNodeAffinity(undefined, 'RequireLastNode', NODE);

    expect(result).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [nodeField] }] } },
    });
  });

  test('RequireLastNode ANDs the node into every term', () => {
    const result = withLastNodeAffinity(templateAffinity(), 'RequireLastNode', NODE);

    expect(result!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchExpressions: [zoneExpression], matchFields: [nodeField] },
      { matchExpressions: [gpuExpression], matchFields: [nodeField] },
    ]);
    expect(result!.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toEqual(
      templateAffinity().nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution,
    );
    expect(result!.podAntiAffinity).toEqual(templateAffinity().podAntiAffinity);
  });

  test('RequireLastNode keeps existing match fields', () => {
    const poolField = { key: 'metadata.name', operator: 'NotIn', values: ['node-1'] };
    const template: V1Affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [poolField] }] } },
    };

    const result = withLastNodeAffinity(template, 'RequireLastNode', NODE);

    expect(result!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchFields: [poolField, nodeField] },
    ]);
  });

  test('RequireLastNode leaves an empty term empty', () => {
    const template: V1Affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{}, { matchExpressions: [zoneExpression] }],
        },
      },
    };

    const result = withLastNodeAffinity(template, 'RequireLastNode', NODE);

    expect(result!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      {},
      { matchExpressions: [zoneExpression], matchFields: [nodeField] },
    ]);
  });

  test('RequireLastNode fills an empty term list', () => {
    const template: V1Affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };

    const result = withLastNodeAffinity(template, 'RequireLastNode', NODE);

    expect(result!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchFields: [nodeField] },
    ]);
  });

  test('None adds nothing', () => {
    expect(withLastNodeAffinity(undefined, 'None', NODE)).toBeUndefined();
    expect(withLastNodeAffinity(templateAffinity(), 'None', NODE)).toEqual(templateAffinity());
  });

  test.each([undefined, ''])('no last node (%p) adds nothing', (nodeName) => {
    expect(withLastNodeAffinity(undefined, 'RequireLastNode', nodeName)).toBeUndefined();
    expect(withLastNodeAffinity(templateAffinity(), 'PreferLastNode', nodeName)).toEqual(templateAffinity());
  });

  test.each(['PreferLastNode', 'RequireLastNode', 'None'] as const)('%s leaves the template untouched', (placement) => {
    const template = templateAffinity();

    const result = withLastNodeAffinity(template, placement, NODE);

    expect(template).toEqual(templateAffinity());
    expect(result).not.toBe(template);
  });
});
