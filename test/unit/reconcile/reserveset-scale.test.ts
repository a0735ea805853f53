import type { MemberState } from '../../../src/reconcile/reserveset/members.js';
import {
  DEFAULT_MAX_UNAVAILABLE,
  type RankedMember,
  maxUnavailableCount,
  rankForScaleDown,
  runInSlowStartBatches,
} from '../../../src/reconcile/reserveset/scale.js';
import { asWarm, member, reserveSet, withCreationTimestamp, withStatus, withUpdateStrategy } from './builders.js';

const set = reserveSet('pool');

describe('maxUnavailableCount', () => {
  test.each([
    { maxUnavailable: 3, desired: 10, expected: 3 },
    { maxUnavailable: 20, desired: 10, expected: 20 },
    { maxUnavailable: 0, desired: 10, expected: 1 },
    { maxUnavailable: '50%', desired: 10, expected: 5 },
    { maxUnavailable: '25%', desired: 10, expected: 2 },
    { maxUnavailable: '25%', desired: 7, expected: 1 },
    { maxUnavailable: '99%', desired: 10, expected: 9 },
    { maxUnavailable: '100%', desired: 10, expected: 10 },
    { maxUnavailable: '10%', desired: 5, expected: 1 },
    { maxUnavailable: '0%', desired: 10, expected: 1 },
    { maxUnavailable: '50%', desired: 0, expected: 1 },
  ])('$maxUnavailable of $desired is $expected', ({ maxUnavailable, desired, expected }) => {
    const withBudget = reserveSet('pool', withUpdateStrategy('Replace', maxUnavailable));

    expect(maxUnavailableCount(withBudget, desired)).toBe(expected);
  });

  test('defaults to 25 percent', () => {
    expect(DEFAULT_MAX_UNAVAILABLE).toBe('25%');
    expect(maxUnavailableCount(set, 20)).toBe(5);
    expect(maxUnavailableCount(reserveSet('pool', withUpdateStrategy('Replace')), 20)).toBe(5);
  });
});

describe('rankForScaleDown', () => {
  function ranked(name: string, state: MemberState, createdSeconds: number, nodeName?: string): RankedMember {
    const modifiers = [withCreationTimestamp(createdSeconds), ...(nodeName ? [withStatus({ nodeName })] : [])];
    if (state === 'warm') modifiers.push(asWarm());
    return { member: member(set, name, ...modifiers), state };
  }

  const names = (members: RankedMember[]) => members.map(({ member: entry }) => entry.metadata.name);

  test('orders groups by cost to lose', () => {
    const members = [
      ranked('warm', 'warm', 0),
      ranked('stale', 'stale', 0),
      ranked('booted', 'booted', 0, 'node-1'),
      ranked('scheduled', 'warming', 0, 'node-1'),
      ranked('unscheduled', 'warming', 0),
      ranked('stuck', 'stuck', 0),
    ];

    expect(names(rankForScaleDown(members))).toEqual(['stuck', 'unscheduled', 'booted', 'scheduled', 'stale', 'warm']);
  });

  test('pausing ranks with booted', () => {
    const members = [ranked('warm', 'warm', 0), ranked('pausing', 'pausing', 5), ranked('booted', 'booted', 10)];

    expect(names(rankForScaleDown(members))).toEqual(['booted', 'pausing', 'warm']);
  });

  test('newest warm members go first', () => {
    const members = [ranked('oldest', 'warm', 0), ranked('newest', 'warm', 200), ranked('middle', 'warm', 100)];

    expect(names(rankForScaleDown(members))).toEqual(['newest', 'middle', 'oldest']);
  });

  test('newest first within every group', () => {
    const members = [ranked('stuck-old', 'stuck', 0), ranked('stuck-new', 'stuck', 50)];

    expect(names(rankForScaleDown(members))).toEqual(['stuck-new', 'stuck-old']);
  });

  test('names break ties', () => {
    const members = [ranked('pool-c', 'warm', 0), ranked('pool-a', 'warm', 0), ranked('pool-b', 'warm', 0)];

    expect(names(rankForScaleDown(members))).toEqual(['pool-a', 'pool-b', 'pool-c']);
  });

  test('does not reorder its input', () => {
    const members = [ranked('warm', 'warm', 0), ranked('stuck', 'stuck', 0)];

    rankForScaleDown(members);

    expect(names(members)).toEqual(['warm', 'stuck']);
  });

  test('accepts Date timestamps', () => {
    const older = ranked('older', 'warm', 0);
    const newer = ranked('newer', 'warm', 0);
    older.member.metadata.creationTimestamp = new Date(Date.parse('2026-01-01T00:00:00Z'));
    newer.member.metadata.creationTimestamp = new Date(Date.parse('2026-01-01T01:00:00Z'));

    expect(names(rankForScaleDown([older, newer]))).toEqual(['newer', 'older']);
  });
});

describe('runInSlowStartBatches', () => {
  /**
   * Runs the batches with a call that records its start and its end, and returns the sizes
   * of the runs of starts: all calls of a batch start before any of them ends.
   */
  async function batchSizes(count: number, fails: (call: number) => boolean = () => false) {
    const events: string[] = [];
    let calls = 0;
    const result = await runInSlowStartBatches(count, async () => {
      const call = ++calls;
      events.push('start');
      await Promise.resolve();
      events.push('end');
      if (fails(call)) throw new Error(`call ${call} failed`);
    });
    const sizes: number[] = [];
    let previous = '';
    for (const event of events) {
      if (event === 'start') {
        if (previous === 'start') sizes[sizes.length - 1]! += 1;
        else sizes.push(1);
      }
      previous = event;
    }
    return { result, sizes, calls };
  }

  test('doubles the batch size', async () => {
    const { result, sizes } = await batchSizes(10);

    expect(sizes).toEqual([1, 2, 4, 3]);
    expect(result).toEqual({ succeeded: 10, failed: 0, skipped: 0 });
  });

  test('runs each batch to the end before the next', async () => {
    const events: number[] = [];
    let active = 0;

    await runInSlowStartBatches(7, async () => {
      active += 1;
      events.push(active);
      await new Promise((resolve) => setImmediate(resolve));
      active -= 1;
    });

    // The active count at each start: 1 | 1 2 | 1 2 3 4.
    expect(events).toEqual([1, 1, 2, 1, 2, 3, 4]);
  });

  test('zero calls make none', async () => {
    const { result, calls } = await batchSizes(0);

    expect(calls).toBe(0);
    expect(result).toEqual({ succeeded: 0, failed: 0, skipped: 0 });
  });

  test('first failure skips the rest', async () => {
    const { result, calls } = await batchSizes(100, () => true);

    expect(calls).toBe(1);
    expect(result.succeeded).toBe(0);
    expect(result.failed).toBe(1);
    expect(result.skipped).toBe(99);
    expect((result.error as Error).message).toBe('call 1 failed');
  });

  test('failing batch finishes its other calls', async () => {
    const { result, sizes, calls } = await batchSizes(20, (call) => call === 5 || call === 6);

    expect(sizes).toEqual([1, 2, 4]);
    expect(calls).toBe(7);
    expect(result.succeeded).toBe(5);
    expect(result.failed).toBe(2);
    expect(result.skipped).toBe(13);
    expect((result.error as Error).message).toBe('call 5 failed');
  });

  test('failure in the last batch skips nothing', async () => {
    const { result } = await batchSizes(3, (call) => call === 3);

    expect(result).toEqual({ succeeded: 2, failed: 1, skipped: 0, error: expect.any(Error) });
  });
});
