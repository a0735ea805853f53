import type { MemberState } from '../../../src/reconcile/reserveset/members.js';
import {
  type ReserveSetStatusInput,
  ReserveSetConditionType,
  calculateReserveSetStatus,
  reserveSetStatusEqual,
} from '../../../src/reconcile/reserveset/status.js';
import { RESERVESET_LABEL } from '../../../src/schema/constants.js';
import type { Condition, Reserve, ReserveSet, ReserveSetStatus } from '../../../src/schema/types.js';
import {
  type Modifier,
  T0,
  at,
  asWarm,
  member,
  reserveSet,
  setTemplateHash,
  withCondition,
  withReplicas,
  withSetStatus,
  withTemplateHashLabel,
} from './builders.js';

const NOW = T0 + 100_000;

type Members = ReserveSetStatusInput['members'];

function statusOf(set: ReserveSet, members: Members, input: Partial<ReserveSetStatusInput> = {}): ReserveSetStatus {
  return calculateReserveSetStatus({
    set,
    members,
    claimedReplicas: 0,
    templateHash: setTemplateHash(set),
    now: NOW,
    ...input,
  });
}

/** Builds members of set with the given states, named pool-0, pool-1, … in order. */
function membersOf(set: ReserveSet, ...states: MemberState[]): { member: Reserve; state: MemberState }[] {
  return states.map((state, index) => {
    const name = `pool-${index}`;
    const modifiers: Modifier<Reserve>[] = [];
    if (state === 'warm' || state === 'stale') {
      modifiers.push(asWarm());
    }
    if (state === 'stale') {
      modifiers.push(withTemplateHashLabel('old'));
    }
    return { member: member(set, name, ...modifiers), state };
  });
}

function conditionOf(status: ReserveSetStatus, type: string): Condition {
  const found = status.conditions?.find((condition) => condition.type === type);
  if (found === undefined) {
    throw new Error(`status has no ${type} condition: ${JSON.stringify(status.conditions)}`);
  }
  return found;
}

function summary(status: ReserveSetStatus, type: string): [string, string] {
  const condition = conditionOf(status, type);
  return [condition.status, condition.reason];
}

describe('ReserveSet status counts', () => {
  test('count members by state', () => {
    const set = reserveSet('pool', withReplicas(8));
    const members = membersOf(set, 'warm', 'warm', 'warming', 'booted', 'pausing', 'stale', 'stuck', 'deleting', 'claimed');

    const status = statusOf(set, members, { claimedReplicas: 4 });

    expect(status.replicas).toBe(8);
    expect(status.warmReplicas).toBe(2);
    expect(status.warmingReplicas).toBe(3);
    expect(status.updatedReplicas).toBe(6);
    expect(status.claimedReplicas).toBe(4);
  });

  test('updated excludes older templates', () => {
    const set = reserveSet('pool', withReplicas(2));
    const old = member(set, 'pool-old', asWarm(), withTemplateHashLabel('old'));
    const current = member(set, 'pool-new', asWarm());

    const status = statusOf(set, [
      { member: old, state: 'warm' },
      { member: current, state: 'warm' },
    ]);

    expect(status.updatedReplicas).toBe(1);
    expect(status.warmReplicas).toBe(2);
  });

  test('describe the set', () => {
    const set = reserveSet('pool', (object) => {
      object.metadata.generation = 4;
    });

    const status = statusOf(set, []);

    expect(status.observedGeneration).toBe(4);
    expect(status.templateHash).toBe(setTemplateHash(set));
    expect(status.selector).toBe(`${RESERVESET_LABEL}=pool`);
    expect(status.conditions!.map((condition) => condition.observedGeneration)).toEqual([4, 4, 4]);
  });
});

describe('ReserveSet conditions', () => {
  test('full warm pool is Ready', () => {
    const set = reserveSet('pool', withReplicas(3));

    const status = statusOf(set, membersOf(set, 'warm', 'warm', 'warm'));

    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['True', 'PoolWarm']);
    expect(summary(status, ReserveSetConditionType.Reconciling)).toEqual(['False', 'PoolWarm']);
    expect(summary(status, ReserveSetConditionType.Stalled)).toEqual(['False', 'NoStuckMembers']);
    expect(conditionOf(status, ReserveSetConditionType.Ready).message).toBe('3 of 3 members are warm and can be claimed.');
  });

  test('claimed members do not count', () => {
    const set = reserveSet('pool', withReplicas(2));

    const status = statusOf(set, membersOf(set, 'warm', 'warm', 'claimed'));

    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['True', 'PoolWarm']);
  });

  test.each<{ name: string; states: MemberState[]; reason: string }>([
    { name: 'empty pool', states: [], reason: 'Filling' },
    { name: 'missing members', states: ['warm', 'warm'], reason: 'Filling' },
    { name: 'warming member', states: ['warm', 'warm', 'warming'], reason: 'Filling' },
    { name: 'booted member', states: ['warm', 'warm', 'booted'], reason: 'Filling' },
    { name: 'pausing member', states: ['warm', 'warm', 'pausing'], reason: 'Filling' },
    { name: 'member being deleted', states: ['warm', 'warm', 'warm', 'deleting'], reason: 'ScalingDown' },
    { name: 'replacement after a deletion', states: ['warm', 'warm', 'deleting'], reason: 'Filling' },
    { name: 'too many members', states: ['warm', 'warm', 'warm', 'warm'], reason: 'ScalingDown' },
    { name: 'stale member', states: ['warm', 'warm', 'stale'], reason: 'Replacing' },
  ])('$name is reconciling with $reason', ({ states, reason }) => {
    const set = reserveSet('pool', withReplicas(3));

    const status = statusOf(set, membersOf(set, ...states));

    expect(summary(status, ReserveSetConditionType.Reconciling)).toEqual(['True', reason]);
    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['False', reason]);
    expect(summary(status, ReserveSetConditionType.Stalled)).toEqual(['False', 'NoStuckMembers']);
  });

  test('stuck member stalls the set', () => {
    const set = reserveSet('pool', withReplicas(2));
    const stuck = member(set, 'pool-bad', withCondition('Stalled', 'True', 'PodFailedRepeatedly'));
    stuck.status!.conditions![0]!.message = '5 consecutive Pods failed.';

    const status = statusOf(set, [...membersOf(set, 'warm'), { member: stuck, state: 'stuck' }]);

    expect(summary(status, ReserveSetConditionType.Stalled)).toEqual(['True', 'MembersStuck']);
    expect(conditionOf(status, ReserveSetConditionType.Stalled).message).toContain('pool-bad is stuck: 5 consecutive Pods failed.');
    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['False', 'MembersStuck']);
  });

  test('stuck member never booted is explained', () => {
    const set = reserveSet('pool', withReplicas(1));

    const status = statusOf(set, membersOf(set, 'stuck'));

    expect(conditionOf(status, ReserveSetConditionType.Stalled).message).toContain(
      'pool-0 is stuck, although it is paused and has never booted',
    );
  });

  test('Stalled precedes Reconciling', () => {
    // kstatus takes the first of Reconciling=True and Stalled=True in list order, so a set
    // that has both reads as Failed rather than InProgress.
    const set = reserveSet('pool', withReplicas(2));

    const status = statusOf(set, membersOf(set, 'warm', 'stuck'));

    expect(summary(status, ReserveSetConditionType.Reconciling)[0]).toBe('True');
    expect(status.conditions!.map((condition) => condition.type)).toEqual(['Stalled', 'Reconciling', 'Ready']);
  });

  test('zero replicas is Ready when empty', () => {
    const set = reserveSet('pool', withReplicas(0));

    const status = statusOf(set, membersOf(set, 'claimed'));

    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['True', 'PoolWarm']);
    expect(status.replicas).toBe(0);
  });

  test('replicas default to one', () => {
    const set = reserveSet('pool');
    delete set.spec.replicas;

    const status = statusOf(set, membersOf(set, 'warm'));

    expect(summary(status, ReserveSetConditionType.Ready)).toEqual(['True', 'PoolWarm']);
  });
});

describe('ReserveSet transition times', () => {
  const stored = (status: Condition['status']): Condition[] =>
    ['Stalled', 'Reconciling', 'Ready'].map((type) => ({
      type,
      status: type === 'Ready' ? status : 'False',
      reason: 'Before',
      message: '',
      observedGeneration: 1,
      lastTransitionTime: at(10),
    }));

  test('kept while the status holds', () => {
    const set = reserveSet('pool', withReplicas(1), withSetStatus({ conditions: stored('True') }));

    const status = statusOf(set, membersOf(set, 'warm'));

    expect(status.conditions!.map((condition) => condition.lastTransitionTime)).toEqual([at(10), at(10), at(10)]);
  });

  test('moves when the status flips', () => {
    const set = reserveSet('pool', withReplicas(1), withSetStatus({ conditions: stored('False') }));

    const status = statusOf(set, membersOf(set, 'warm'));

    expect(conditionOf(status, ReserveSetConditionType.Ready).lastTransitionTime).toBe(at(100));
    expect(conditionOf(status, ReserveSetConditionType.Stalled).lastTransitionTime).toBe(at(10));
  });
});

describe('ReserveSet status idempotence', () => {
  test.each<{ name: string; states: MemberState[] }>([
    { name: 'warm pool', states: ['warm', 'warm', 'warm'] },
    { name: 'filling pool', states: ['warm', 'warming'] },
    { name: 'pool with stale members', states: ['warm', 'stale', 'warm'] },
    { name: 'pool with stuck members', states: ['warm', 'stuck', 'warm'] },
    { name: 'shrinking pool', states: ['warm', 'warm', 'warm', 'warm', 'deleting'] },
  ])('$name status is a fixed point', ({ states }) => {
    const set = reserveSet('pool', withReplicas(3));
    const members = membersOf(set, ...states);
    const first = statusOf(set, members);
    const stored = reserveSet('pool', withReplicas(3), withSetStatus(first));

    const again = statusOf(stored, members);
    const later = statusOf(stored, members, { now: NOW + 60_000 });

    expect(again).toEqual(first);
    expect(later).toEqual(first);
    expect(reserveSetStatusEqual(first, later)).toBe(true);
  });
});

describe('reserveSetStatusEqual', () => {
  test('ignores key order and undefined fields', () => {
    expect(reserveSetStatusEqual({ replicas: 1, warmReplicas: 1, selector: undefined }, { warmReplicas: 1, replicas: 1 })).toBe(true);
  });

  test('detects a changed count', () => {
    expect(reserveSetStatusEqual({ replicas: 1 }, { replicas: 2 })).toBe(false);
  });

  test('missing status equals an empty one', () => {
    expect(reserveSetStatusEqual(undefined, {})).toBe(true);
    expect(reserveSetStatusEqual(undefined, { replicas: 0 })).toBe(false);
  });
});
