// The mutating half of a claim: record who claimed the member and detach it from its set.
import { RESERVESET_LABEL } from '../schema/constants.js';
import type { AdmissionRequest } from './admission-review.js';
import { isOperator, type AdmissionContext } from './admission-context.js';
import {
  claimOf,
  claimRecord,
  isPaused,
  isReserveSetController,
  matchesClaimRecord,
  setMembership,
  warmthProblem,
} from './claim.js';
import type { JsonPatchBuilder } from './json-patch.js';

/**
 * Records a claim when the request unpauses a warm, unclaimed member: sets spec.claim from
 * the request's userInfo and the clock, replacing any value the user sent, and removes the
 * set's controller ownerReference and pool label. Returns whether the request is a claim.
 *
 * Requests that are not claims pass unchanged; the validating webhook rejects the ones that
 * try to claim a member that is not warm or that set spec.claim by hand.
 */
export function recordClaim(builder: JsonPatchBuilder, request: AdmissionRequest, context: AdmissionContext): boolean {
  const oldObject = request.oldObject;
  if (request.operation !== 'UPDATE' || isOperator(context, request.userInfo.username)) {
    return false;
  }
  const membership = setMembership(oldObject);
  if (membership === undefined || claimOf(oldObject) !== undefined || warmthProblem(oldObject) !== undefined) {
    return false;
  }
  if (isPaused(request.object)) {
    return false;
  }

  const now = context.clock();
  const expected = claimRecord(request.userInfo, membership.setName, now);
  // A reinvoked webhook sees its own record; rewriting it would change the time and
  // break idempotency.
  if (!matchesClaimRecord(builder.get(['spec', 'claim']), expected, now)) {
    builder.set(['spec', 'claim'], expected);
  }
  detachFromSet(builder);
  return true;
}

function detachFromSet(builder: JsonPatchBuilder): void {
  const ownerReferences = builder.get(['metadata', 'ownerReferences']);
  if (Array.isArray(ownerReferences)) {
    const index = ownerReferences.findIndex(isReserveSetController);
    if (index >= 0) {
      builder.remove(['metadata', 'ownerReferences', index]);
    }
  }
  builder.remove(['metadata', 'labels', RESERVESET_LABEL]);
}
