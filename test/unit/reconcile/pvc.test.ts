import { RESERVE_LABEL } from '../../../src/schema/constants.js';
import {
  RESERVE_UID_ANNOTATION,
  buildPvcs,
  classifyPvc,
  pvcName,
  pvcNames,
  updatedPvcOwnerReferences,
} from '../../../src/reconcile/reserve/pvc.js';
import {
  pvc,
  reserve,
  withControllerOf,
  withCreatorUid,
  withRetention,
  withUid,
  withVolumeClaimTemplates,
} from './builders.js';

const controllerRef = {
  apiVersion: 'pool.w-h-a.io/v1alpha1',
  kind: 'Reserve',
  name: 'db',
  uid: 'uid-db',
  controller: true,
  blockOwnerDeletion: true,
};
const otherOwnerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'keep', uid: 'uid-keep' };

describe('PVC names', () => {
  test('follow the StatefulSet pattern', () => {
    expect(pvcName('data', 'db')).toBe('data-db');
  });

  test('pvcNames keeps template order', () => {
    expect(pvcNames(reserve('db', withVolumeClaimTemplates('data', 'cache')))).toEqual(['data-db', 'cache-db']);
    expect(pvcNames(reserve('db'))).toEqual([]);
  });
});

describe('buildPvcs', () => {
  test('builds one PVC per template', () => {
    const owner = reserve('db', withVolumeClaimTemplates('data', 'cache'));

    const built = buildPvcs(owner);

    expect(built.map((claim) => claim.metadata!.name)).toEqual(['data-db', 'cache-db']);
    expect(built[0]!.metadata!.namespace).toBe('default');
    expect(built[0]!.spec).toEqual(owner.spec.volumeClaimTemplates![0]!.spec);
    expect(built[0]!.spec).not.toBe(owner.spec.volumeClaimTemplates![0]!.spec);
  });

  test('labels and annotates the creator', () => {
    const [built] = buildPvcs(reserve('db', withVolumeClaimTemplates('data')));

    expect(built!.metadata!.labels).toEqual({ tier: 'data', [RESERVE_LABEL]: 'db' });
    expect(built!.metadata!.annotations).toEqual({ note: 'data', [RESERVE_UID_ANNOTATION]: 'uid-db' });
  });

  test.each([
    ['default', undefined],
    ['Delete', 'Delete' as const],
  ])('retention %s makes the Reserve controller', (_name, whenDeleted) => {
    const owner = reserve('db', withVolumeClaimTemplates('data'), ...(whenDeleted ? [withRetention(whenDeleted)] : []));

    const [built] = buildPvcs(owner);

    expect(built!.metadata!.ownerReferences).toEqual([controllerRef]);
  });

  test('Retain adds no ownerReference', () => {
    const [built] = buildPvcs(reserve('db', withVolumeClaimTemplates('data'), withRetention('Retain')));

    expect(built!.metadata).not.toHaveProperty('ownerReferences');
  });
});

describe('classifyPvc', () => {
  const owner = reserve('db', withVolumeClaimTemplates('data'));
  const otherReserve = reserve('db', withUid('uid-old'));

  test.each([
    { name: 'controlled by this Reserve', claim: pvc('data-db', withControllerOf(owner)), expected: 'owned' },
    { name: 'created by it under Retain', claim: pvc('data-db', withCreatorUid('uid-db')), expected: 'owned' },
    { name: 'controlled by another Reserve', claim: pvc('data-db', withControllerOf(otherReserve)), expected: 'foreign' },
    { name: 'retained from an earlier Reserve', claim: pvc('data-db', withCreatorUid('uid-old')), expected: 'foreign' },
    { name: 'created by someone else', claim: pvc('data-db'), expected: 'foreign' },
    {
      name: 'controlled by another but annotated with this UID',
      claim: pvc('data-db', withCreatorUid('uid-db'), withControllerOf(otherReserve)),
      expected: 'foreign',
    },
  ])('PVC $name is $expected', ({ claim, expected }) => {
    expect(classifyPvc(owner, claim)).toBe(expected);
  });

  test('Reserve without UID owns nothing', () => {
    const unsaved = reserve('db');
    delete unsaved.metadata.uid;

    expect(classifyPvc(unsaved, pvc('data-db', withCreatorUid('')))).toBe('foreign');
  });
});

describe('updatedPvcOwnerReferences', () => {
  test('Delete adds the controller reference', () => {
    const owner = reserve('db', withRetention('Delete'));
    const claim = pvc('data-db', withCreatorUid('uid-db'));
    claim.metadata!.ownerReferences = [otherOwnerRef];

    expect(updatedPvcOwnerReferences(owner, claim)).toEqual([otherOwnerRef, controllerRef]);
  });

  test('Delete with the reference changes nothing', () => {
    const owner = reserve('db', withRetention('Delete'));

    expect(updatedPvcOwnerReferences(owner, pvc('data-db', withControllerOf(owner)))).toBeUndefined();
  });

  test('Retain removes the reference', () => {
    const owner = reserve('db', withRetention('Retain'));
    const claim = pvc('data-db', withControllerOf(owner));
    claim.metadata!.ownerReferences!.push(otherOwnerRef);

    expect(updatedPvcOwnerReferences(owner, claim)).toEqual([otherOwnerRef]);
  });

  test('Retain without the reference changes nothing', () => {
    const owner = reserve('db', withRetention('Retain'));

    expect(updatedPvcOwnerReferences(owner, pvc('data-db', withCreatorUid('uid-db')))).toBeUndefined();
  });
});
