// Pure helpers of the ReserveSet controller for scaling: the replacement budget of a
// template rollout, the scale-down order, and creations in slow-start batches.
import type { Reserve, ReserveSet } from '../../schema/types.js';
import { parseTime } from '../clock.js';
import type { MemberState } from './members.js';

/** Most creations or deletions one reconcile issues; the rest waits for the next pass. */
export const MAX_BURST_PER_SYNC = 500;

/** The maxUnavailable of a set's update strategy when the spec leaves it out. */
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/**
 * Returns how many members a template rollout may have unavailable at once: maxUnavailable
 * as a number, or as a percentage of desired rounded down. The result is at least 1, so a
 * rollout always progresses, as with a Deployment whose maxSurge is 0.
 */
export function maxUnavailableCount(set: ReserveSet, desired: number): number {
  const value = set.spec.updateStrategy?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
  let count: number;
  if (typeof value === 'number') {
    count = value;
  } else {
    const match = /^(\d+)%$/.exec(value);
    count = match ? Math.floor((Number(match[1]) * desired) / 100) : Number.parseInt(value, 10);
  }
  return Number.isFinite(count) && count >= 1 ? count : 1;
}

/** A member and its state, as the set controller classified it. */
export interface RankedMember {
  member: Reserve;
  state: MemberState;
}

/**
 * Orders unclaimed members for scale-down, first to delete first:
 * 1. stuck members, which would never become warm;
 * 2. warming members whose Pod is not scheduled yet (no node), as they cost least to lose;
 * 3. the other warming, booted and pausing members;
 * 4. stale members, built from an older template;
 * 5. warm members, newest first, so the members that have waited longest stay.
 * Within each group newer members go first; names break ties so the order is stable.
 */
export function rankForScaleDown<T extends RankedMember>(members: readonly T[]): T[] {
  return [...members].sort((a, b) => {
    const byGroup = scaleDownGroup(a) - scaleDownGroup(b);
    if (byGroup !== 0) return byGroup;
    const byAge = createdMs(b.member) - createdMs(a.member);
    if (byAge !== 0) return byAge;
    return (a.member.metadata.name ?? '').localeCompare(b.member.metadata.name ?? '');
  });
}

function scaleDownGroup({ member, state }: RankedMember): number {
  switch (state) {
    case 'stuck':
      return 0;
    case 'warming':
      return member.status?.nodeName ? 2 : 1;
    case 'booted':
    case 'pausing':
      return 2;
    case 'stale':
      return 3;
    case 'warm':
      return 4;
    default:
      return 5;
  }
}

function createdMs(member: Reserve): number {
  return parseTime(member.metadata.creationTimestamp as Date | string | undefined) ?? 0;
}

export interface BatchResult {
  succeeded: number;
  failed: number;
  /** Calls never made, because an earlier batch had an error. */
  skipped: number;
  /** The first error, when a call failed. */
  error?: unknown;
}

/**
 * Calls fn count times in batches of 1, 2, 4, … that run concurrently, and stops after the
 * first batch with a failure. A systematic error (quota, a rejecting webhook) then costs one
 * request instead of count, while a healthy burst still finishes in log2(count) round trips.
 */
export async function runInSlowStartBatches(count: number, fn: () => Promise<void>): Promise<BatchResult> {
  const result: BatchResult = { succeeded: 0, failed: 0, skipped: 0 };
  let remaining = count;
  let batchSize = 1;
  while (remaining > 0) {
    const size = Math.min(batchSize, remaining);
    remaining -= size;
    const outcomes = await Promise.allSettled(Array.from({ length: size }, () => fn()));
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') {
        result.succeeded++;
      } else {
        result.failed++;
        if (result.error === undefined) result.error = outcome.reason;
      }
    }
    if (result.failed > 0) {
      result.skipped = remaining;
      break;
    }
    batchSize *= 2;
  }
  return result;
}
