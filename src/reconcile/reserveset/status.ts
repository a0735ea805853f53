// The status of a ReserveSet, computed from its classified members. Pure, so the controller
// writes the status only when this returns something different from what is stored.
//
// Conditions follow kstatus, so Flux and Argo CD report a ReserveSet as:
// - Current when spec.replicas unclaimed members exist and all are warm. Under Replace a warm
//   member is built from the current template, but under OnDelete older warm members count too.
// - InProgress while Reconciling=True: filling, scaling down, replacing stale members.
// - Failed while Stalled=True: some member cannot become warm (see the message). Reconciling is
//   True as well then, but kstatus reads whichever of the two comes first in the list
//   (checkGenericProperties in sigs.k8s.io/cli-utils/pkg/kstatus), and Stalled is appended
//   before Reconciling.
import { RESERVESET_LABEL } from '../../schema/constants.js';
import { canonicalJson } from '../../schema/template-hash.js';
import type { Reserve, ReserveSet, ReserveSetStatus } from '../../schema/types.js';
import { getCondition, setCondition } from '../conditions.js';
import { isBuiltFrom, type MemberState } from './members.js';

export const ReserveSetConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

export interface ReserveSetStatusInput {
  set: ReserveSet;
  /** Members controlled by the set, with their state. */
  members: readonly { member: Reserve; state: MemberState }[];
  /** Reserves claimed from this set that still exist. */
  claimedReplicas: number;
  templateHash: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** Calculates the status; lastTransitionTime of a condition changes only with its status. */
export function calculateReserveSetStatus(input: ReserveSetStatusInput): ReserveSetStatus {
  const { set, members, templateHash, now } = input;
  const generation = set.metadata.generation;
  const desired = set.spec.replicas ?? 1;
  const count = (...states: MemberState[]) => members.filter(({ state }) => states.includes(state)).length;

  const unclaimed = members.filter(({ state }) => state !== 'claimed');
  const warm = count('warm');
  const warming = count('warming', 'booted', 'pausing');
  const stale = count('stale');
  const deleting = count('deleting');
  const stuck = members.filter(({ state }) => state === 'stuck');
  const updated = unclaimed.filter(({ member, state }) => state !== 'stale' && state !== 'deleting' && isBuiltFrom(member, templateHash)).length;

  let conditions = set.status?.conditions;
  const apply = (type: string, status: 'True' | 'False', reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, generation, now);
  };

  if (stuck.length > 0) {
    const first = stuck[0]!.member;
    const cause = getCondition(first.status?.conditions, 'Stalled')?.message;
    const because = cause ? `: ${cause}` : ', although it is paused and has never booted';
    apply(
      ReserveSetConditionType.Stalled,
      'True',
      'MembersStuck',
      `${stuck.length} member(s) cannot become warm and are replaced with backoff; ${first.metadata.name} is stuck${because}`,
    );
  } else {
    apply(ReserveSetConditionType.Stalled, 'False', 'NoStuckMembers', 'No member is stuck.');
  }

  const progress = findProgress({ desired, unclaimed: unclaimed.length, warm, warming, stale, deleting });
  if (progress) {
    apply(ReserveSetConditionType.Reconciling, 'True', progress.reason, progress.message);
  } else {
    apply(ReserveSetConditionType.Reconciling, 'False', 'PoolWarm', `All ${desired} members are warm.`);
  }

  const ready = warm === desired && unclaimed.length === desired;
  if (ready) {
    apply(ReserveSetConditionType.Ready, 'True', 'PoolWarm', `${warm} of ${desired} members are warm and can be claimed.`);
  } else {
    const reason = stuck.length > 0 ? 'MembersStuck' : (progress?.reason ?? 'Filling');
    apply(ReserveSetConditionType.Ready, 'False', reason, `${warm} of ${desired} members are warm.`);
  }

  return {
    replicas: unclaimed.length,
    warmReplicas: warm,
    warmingReplicas: warming,
    updatedReplicas: updated,
    claimedReplicas: input.claimedReplicas,
    observedGeneration: generation,
    templateHash,
    selector: `${RESERVESET_LABEL}=${set.metadata.name}`,
    conditions,
  };
}

/** Returns whether two statuses are equal as JSON, ignoring key order and undefined fields. */
export function reserveSetStatusEqual(a: ReserveSetStatus | undefined, b: ReserveSetStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}

interface Counts {
  desired: number;
  unclaimed: number;
  warm: number;
  warming: number;
  stale: number;
  deleting: number;
}

function findProgress(counts: Counts): { reason: string; message: string } | undefined {
  const { desired, unclaimed, warm, warming, stale, deleting } = counts;
  if (unclaimed > desired) {
    return { reason: 'ScalingDown', message: `Deleting unclaimed members: ${unclaimed} exist, ${desired} wanted.` };
  }
  if (stale > 0) {
    return { reason: 'Replacing', message: `Replacing ${stale} member(s) built from an older template.` };
  }
  if (unclaimed < desired || warming > 0 || deleting > 0) {
    return { reason: 'Filling', message: `${warm} of ${desired} members are warm, ${warming} warming.` };
  }
  return warm === desired ? undefined : { reason: 'Filling', message: `${warm} of ${desired} members are warm.` };
}
