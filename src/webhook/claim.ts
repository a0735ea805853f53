// Claims: what makes a Reserve a claimable ReserveSet member, and the claim record.
//
// A claim is an UPDATE by anyone but the operator that sets spec.paused from true to false
// on a warm, unclaimed member. The mutating webhook records it (see claim-mutation.ts) and
// the validating webhook enforces who may claim what, and that a claim is made once
// (see claim-policy.ts).
import { isDeepStrictEqual } from 'node:util';
import { GROUP, RESERVESET_KIND, RESERVESET_LABEL } from '../schema/constants.js';
import type { ClaimRecord } from '../schema/types.js';
import type { UserInfo } from './admission-review.js';
import { arrayAt, labelValue, stringAt, valueAt } from './object-access.js';

/**
 * How far the time of a claim record may be from now and still count as written by this
 * webhook, in milliseconds. It lets a reinvoked mutating webhook keep its own record instead
 * of rewriting the time. One request, reinvocation included, lasts well under this.
 */
export const CLAIM_TIME_TOLERANCE_MS = 60_000;

/** The ReserveSet a member belongs to, from its controller ownerReference. */
export interface SetMembership {
  setName: string;
  setUid: string | undefined;
}

/**
 * Returns the set of an unclaimed ReserveSet member: a Reserve with a controller
 * ownerReference of kind ReserveSet and the pool label.
 */
export function setMembership(reserve: unknown): SetMembership | undefined {
  const owner = arrayAt(reserve, 'metadata', 'ownerReferences').find(isReserveSetController);
  if (owner === undefined || labelValue(reserve, RESERVESET_LABEL) === undefined) {
    return undefined;
  }
  return { setName: stringAt(owner, 'name') ?? '', setUid: stringAt(owner, 'uid') };
}

export function isReserveSetController(ownerReference: unknown): boolean {
  const apiGroup = (stringAt(ownerReference, 'apiVersion') ?? '').split('/')[0];
  return (
    valueAt(ownerReference, 'controller') === true &&
    stringAt(ownerReference, 'kind') === RESERVESET_KIND &&
    apiGroup === GROUP
  );
}

export function isPaused(reserve: unknown): boolean {
  return valueAt(reserve, 'spec', 'paused') === true;
}

export function claimOf(reserve: unknown): unknown {
  return valueAt(reserve, 'spec', 'claim');
}

/** Why a member cannot be claimed now: it is being deleted, or it has not finished warming. */
export type WarmthProblem = 'deleting' | 'warming';

/**
 * Checks that a member is warm: paused, in phase Paused, Ready at least once
 * (status.firstReadyTime) and not being deleted. Returns undefined when it is.
 */
export function warmthProblem(reserve: unknown): WarmthProblem | undefined {
  if (valueAt(reserve, 'metadata', 'deletionTimestamp') !== undefined) {
    return 'deleting';
  }
  const warm =
    isPaused(reserve) &&
    stringAt(reserve, 'status', 'phase') === 'Paused' &&
    stringAt(reserve, 'status', 'firstReadyTime') !== undefined;
  return warm ? undefined : 'warming';
}

/** Builds the record of a claim by the requesting user. */
export function claimRecord(userInfo: UserInfo, setName: string, now: Date): ClaimRecord {
  return {
    user: userInfo.username ?? '',
    groups: [...(userInfo.groups ?? [])],
    time: formatTime(now),
    reserveSet: setName,
  };
}

/**
 * Checks that a claim record is the one this webhook writes for the request: same user,
 * groups and set, and a time within CLAIM_TIME_TOLERANCE_MS of now.
 */
export function matchesClaimRecord(actual: unknown, expected: ClaimRecord, now: Date): boolean {
  const time = Date.parse(stringAt(actual, 'time') ?? '');
  return (
    stringAt(actual, 'user') === expected.user &&
    isDeepStrictEqual(valueAt(actual, 'groups') ?? [], expected.groups ?? []) &&
    stringAt(actual, 'reserveSet') === expected.reserveSet &&
    Math.abs(time - now.getTime()) <= CLAIM_TIME_TOLERANCE_MS
  );
}

/** Formats a time as metav1.Time does: RFC 3339 in UTC with whole seconds. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Lists the warm members of a set for a denial message. */
export function listMembersCommand(namespace: string, setName: string, extraSelector = ''): string {
  const namespaceFlag = namespace === '' ? '' : ` -n ${namespace}`;
  return `kubectl get reserves${namespaceFlag} -l ${RESERVESET_LABEL}=${setName}${extraSelector}`;
}
