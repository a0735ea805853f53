import { controllerReference, getControllerOf, isControlledBy } from '../../../src/reconcile/owner.js';
import { pod, reserve, reserveSet, withControllerOf } from './builders.js';

describe('controllerReference', () => {
  test('references the owner as controller', () => {
    expect(controllerReference(reserveSet('pool'))).toEqual({
      apiVersion: 'pool.w-h-a.io/v1alpha1',
      kind: 'ReserveSet',
      name: 'pool',
      uid: 'uid-pool',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  test('throws without a UID', () => {
    const owner = reserve('db');
    delete owner.metadata.uid;

    expect(() => controllerReference(owner)).toThrow('cannot reference Reserve "db" as owner: name and uid are required');
  });

  test('throws without a name', () => {
    const owner = reserve('db');
    delete owner.metadata.name;

    expect(() => controllerReference(owner)).toThrow(/name and uid are required/);
  });
});

describe('controller lookups', () => {
  const owner = reserve('db');
  const other = { apiVersion: 'v1', kind: 'ConfigMap', name: 'cm', uid: 'uid-cm' };

  test('getControllerOf skips other owners', () => {
    const controlled = pod('db', withControllerOf(owner));
    controlled.metadata!.ownerReferences!.unshift(other);

    expect(getControllerOf(controlled.metadata)?.uid).toBe('uid-db');
  });

  test('getControllerOf without a controller', () => {
    const owned = pod('db');
    owned.metadata!.ownerReferences = [other, { ...other, uid: 'uid-x', controller: false }];

    expect(getControllerOf(owned.metadata)).toBeUndefined();
    expect(getControllerOf(undefined)).toBeUndefined();
  });

  test('isControlledBy compares the UID', () => {
    const controlled = pod('db', withControllerOf(owner));

    expect(isControlledBy(controlled.metadata, 'uid-db')).toBe(true);
    expect(isControlledBy(controlled.metadata, 'uid-other')).toBe(false);
    expect(isControlledBy(controlled.metadata, undefined)).toBe(false);
    expect(isControlledBy(pod('db').metadata, 'uid-db')).toBe(false);
  });
});
