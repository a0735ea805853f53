import {
  MEMBER_STATES,
  type MemberState,
  buildMember,
  classifyMember,
  isStale,
  memberName,
} from '../../../src/reconcile/reserveset/members.js';
import {
  MAX_RESERVESET_NAME_LENGTH,
  MAX_RESERVE_NAME_LENGTH,
  RESERVESET_LABEL,
  TEMPLATE_HASH_LABEL,
} from '../../../src/schema/constants.js';
import type { Reserve } from '../../../src/schema/types.js';
import {
  type Modifier,
  asWarm,
  at,
  member,
  reserveSet,
  setTemplateHash,
  withClaim,
  withCondition,
  withDeletionTimestamp,
  withPaused,
  withStatus,
  withTemplateHashLabel,
  withUpdateStrategy,
} from './builders.js';

const set = reserveSet('pool');
const hash = setTemplateHash(set);
const onDelete = reserveSet('pool', withUpdateStrategy('OnDelete'));

/** Gives the member the status of one that booted and that the set has not paused yet. */
const booted: Modifier<Reserve> = withStatus({ phase: 'Running', firstReadyTime: at(10) });

/** Gives the member the spec and status of one the set paused, with its Pod still terminating. */
const pausing: Modifier<Reserve> = (object) => {
  object.spec.paused = true;
  object.status = { ...object.status, phase: 'Pausing', firstReadyTime: at(10) };
};

/** Makes the member warm, then unpauses it without a claim record, as a client that bypasses the webhook would. */
const unpausedAfterWarm: Modifier<Reserve> = (object) => {
  asWarm()(object);
  object.spec.paused = false;
};

describe('classifyMember', () => {
  test.each<{ name: string; modifiers: Modifier<Reserve>[]; expected: MemberState }>([
    { name: 'new member', modifiers: [], expected: 'warming' },
    { name: 'starting member', modifiers: [withStatus({ phase: 'Starting' })], expected: 'warming' },
    { name: 'booted member', modifiers: [booted], expected: 'booted' },
    { name: 'member being paused', modifiers: [pausing], expected: 'pausing' },
    { name: 'paused before its status caught up', modifiers: [booted, withPaused(true)], expected: 'pausing' },
    { name: 'paused member without Pod', modifiers: [asWarm()], expected: 'warm' },
    { name: 'member of an older template', modifiers: [asWarm(), withTemplateHashLabel('old')], expected: 'stale' },
    { name: 'warming member of an older template', modifiers: [withTemplateHashLabel('old')], expected: 'stale' },
    { name: 'member without template label', modifiers: [asWarm(), withTemplateHashLabel('')], expected: 'stale' },
    { name: 'stalled member', modifiers: [withCondition('Stalled', 'True', 'PodFailedRepeatedly')], expected: 'stuck' },
    { name: 'stalled warm member', modifiers: [asWarm(), withCondition('Stalled', 'True')], expected: 'stuck' },
    { name: 'paused before it booted', modifiers: [withPaused(true), withStatus({ phase: 'Paused' })], expected: 'stuck' },
    { name: 'member not stalled', modifiers: [asWarm(), withCondition('Stalled', 'False')], expected: 'warm' },
    { name: 'member being deleted', modifiers: [asWarm(), withDeletionTimestamp()], expected: 'deleting' },
    { name: 'claimed by record', modifiers: [asWarm(), withPaused(false), withClaim()], expected: 'claimed' },
    { name: 'claim recorded before the unpause', modifiers: [asWarm(), withClaim()], expected: 'claimed' },
    { name: 'unpaused after a pause', modifiers: [unpausedAfterWarm], expected: 'claimed' },
    { name: 'stale member claimed', modifiers: [unpausedAfterWarm, withTemplateHashLabel('old')], expected: 'claimed' },
    { name: 'claimed member being deleted', modifiers: [unpausedAfterWarm, withDeletionTimestamp()], expected: 'deleting' },
  ])('$name is $expected', ({ modifiers, expected }) => {
    expect(classifyMember(member(set, 'pool-abcde', ...modifiers), hash, set)).toBe(expected);
  });

  test('OnDelete keeps older members warm', () => {
    const old = member(onDelete, 'pool-abcde', asWarm(), withTemplateHashLabel('old'));

    expect(classifyMember(old, setTemplateHash(onDelete), onDelete)).toBe('warm');
  });

  test('OnDelete keeps older warming members', () => {
    const old = member(onDelete, 'pool-abcde', withTemplateHashLabel('old'));

    expect(classifyMember(old, setTemplateHash(onDelete), onDelete)).toBe('warming');
  });

  test('every state is listed', () => {
    expect([...MEMBER_STATES].sort()).toEqual(
      ['booted', 'claimed', 'deleting', 'pausing', 'stale', 'stuck', 'warm', 'warming'],
    );
  });
});

describe('isStale', () => {
  test('compares the template label under Replace', () => {
    expect(isStale(member(set, 'pool-a'), hash, set)).toBe(false);
    expect(isStale(member(set, 'pool-a', withTemplateHashLabel('old')), hash, set)).toBe(true);
  });

  test('is never stale under OnDelete', () => {
    expect(isStale(member(onDelete, 'pool-a', withTemplateHashLabel('old')), hash, onDelete)).toBe(false);
  });

  test('Replace is the default', () => {
    const explicit = reserveSet('pool', withUpdateStrategy('Replace'));

    expect(isStale(member(set, 'pool-a', withTemplateHashLabel('old')), hash, explicit)).toBe(true);
  });
});

describe('buildMember', () => {
  test('labels the set and template hash', () => {
    const built = buildMember(set, 'pool-bcdfg', hash);

    expect(built.metadata.name).toBe('pool-bcdfg');
    expect(built.metadata.namespace).toBe('default');
    expect(built.metadata.labels).toEqual({ [RESERVESET_LABEL]: 'pool', [TEMPLATE_HASH_LABEL]: hash });
  });

  test('is controlled by the set', () => {
    const built = buildMember(set, 'pool-bcdfg', hash);

    expect(built.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'pool.w-h-a.io/v1alpha1',
        kind: 'ReserveSet',
        name: 'pool',
        uid: 'uid-pool',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  test('starts unpaused with the set template', () => {
    const built = buildMember(set, 'pool-bcdfg', hash);

    expect(built.apiVersion).toBe('pool.w-h-a.io/v1alpha1');
    expect(built.kind).toBe('Reserve');
    expect(built.spec.paused).toBe(false);
    expect(built.spec.template).toEqual(set.spec.template);
    expect(built.spec.template).not.toBe(set.spec.template);
    expect(built.spec).not.toHaveProperty('volumeClaimTemplates');
    expect(built.spec).not.toHaveProperty('claim');
  });

  test('copies volumes, retention and placement', () => {
    const full = reserveSet('pool', (object) => {
      object.spec.volumeClaimTemplates = [
        { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      ];
      object.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain' };
      object.spec.resumePlacement = 'RequireLastNode';
    });

    const built = buildMember(full, 'pool-bcdfg', setTemplateHash(full));

    expect(built.spec.volumeClaimTemplates).toEqual(full.spec.volumeClaimTemplates);
    expect(built.spec.volumeClaimTemplates).not.toBe(full.spec.volumeClaimTemplates);
    expect(built.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain' });
    expect(built.spec.resumePlacement).toBe('RequireLastNode');
  });

  test('is classified warming', () => {
    const built = buildMember(set, 'pool-bcdfg', hash);

    expect(classifyMember(built, hash, set)).toBe('warming');
  });
});

describe('memberName', () => {
  const names = Array.from({ length: 200 }, () => memberName('pool'));

  test('appends a five character suffix', () => {
    for (const name of names) {
      expect(name).toMatch(/^pool-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    }
  });

  test('varies between calls', () => {
    expect(new Set(names).size).toBeGreaterThan(190);
  });

  test('fits a Reserve name for the longest set name', () => {
    const longest = 'a'.repeat(MAX_RESERVESET_NAME_LENGTH);

    expect(memberName(longest)).toHaveLength(MAX_RESERVE_NAME_LENGTH);
  });
});
