// Members of a ReserveSet: how the set builds them and which state each one is in.
import { randomInt } from 'node:crypto';

import { API_VERSION, RESERVE_KIND, RESERVESET_LABEL, TEMPLATE_HASH_LABEL } from '../../schema/constants.js';
import { MEMBER_SUFFIX_LENGTH } from '../../schema/constants.js';
import type { Reserve, ReserveSet } from '../../schema/types.js';
import { isTrue } from '../conditions.js';
import { controllerReference } from '../owner.js';

/**
 * State of a member as the set sees it:
 * - warming: unpaused, its Pod has not been Ready yet (the heavy boot is under way);
 * - booted: its Pod has been Ready and the set has not paused it yet;
 * - pausing: paused by the set, its Pod is still terminating;
 * - warm: paused with no Pod after booting once, built from the current template: claimable;
 * - stale: built from an older template while updateStrategy is Replace;
 * - stuck: Stalled (its Pods keep failing, it cannot be scheduled, a foreign object blocks it),
 *   or paused before it ever booted, so it would never become warm;
 * - deleting: has a deletionTimestamp; it counts against replicas until it is gone;
 * - claimed: unpaused after having been warm, without the claim webhook's record.
 */
export type MemberState = 'warming' | 'booted' | 'pausing' | 'warm' | 'stale' | 'stuck' | 'deleting' | 'claimed';

export const MEMBER_STATES: readonly MemberState[] = [
  'warming',
  'booted',
  'pausing',
  'warm',
  'stale',
  'stuck',
  'deleting',
  'claimed',
];

// The alphabet Kubernetes uses for generated name suffixes: no vowels, so no words, and no
// characters that are easy to confuse.
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Returns a new member name, `<set>-<random suffix>`. */
export function memberName(setName: string): string {
  let suffix = '';
  for (let index = 0; index < MEMBER_SUFFIX_LENGTH; index++) {
    suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  }
  return `${setName}-${suffix}`;
}

/**
 * Builds a member of the set: unpaused so that it boots once, controlled by the set, and
 * labelled with the set's name and the hash of the template it was built from.
 */
export function buildMember(set: ReserveSet, name: string, templateHash: string): Reserve {
  const spec = set.spec;
  return {
    apiVersion: API_VERSION,
    kind: RESERVE_KIND,
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { [RESERVESET_LABEL]: set.metadata.name!, [TEMPLATE_HASH_LABEL]: templateHash },
      ownerReferences: [controllerReference(set)],
    },
    spec: {
      paused: false,
      template: structuredClone(spec.template),
      ...(spec.volumeClaimTemplates ? { volumeClaimTemplates: structuredClone(spec.volumeClaimTemplates) } : {}),
      ...(spec.persistentVolumeClaimRetentionPolicy
        ? { persistentVolumeClaimRetentionPolicy: { ...spec.persistentVolumeClaimRetentionPolicy } }
        : {}),
      ...(spec.resumePlacement ? { resumePlacement: spec.resumePlacement } : {}),
    },
  } as Reserve;
}

/** Returns whether the member was built from the set template with this hash. */
export function isBuiltFrom(member: Reserve, templateHash: string): boolean {
  return member.metadata.labels?.[TEMPLATE_HASH_LABEL] === templateHash;
}

/** Returns whether the member was built from an older template and the set replaces such members. */
export function isStale(member: Reserve, templateHash: string, set: ReserveSet): boolean {
  const strategy = set.spec.updateStrategy?.type ?? 'Replace';
  return strategy === 'Replace' && !isBuiltFrom(member, templateHash);
}

/** Classifies a member controlled by the set; see MemberState for the meaning of each state. */
export function classifyMember(member: Reserve, templateHash: string, set: ReserveSet): MemberState {
  if (member.metadata.deletionTimestamp) return 'deleting';
  const status = member.status ?? {};
  const paused = member.spec.paused === true;
  // A member is paused by the set only after its first boot, so an unpaused member that has
  // been paused before was unpaused by someone else: a claim.
  if (member.spec.claim !== undefined || (!paused && status.lastPausedTime !== undefined)) return 'claimed';
  if (isStale(member, templateHash, set)) return 'stale';
  if (isTrue(status.conditions, 'Stalled')) return 'stuck';
  const booted = status.firstReadyTime !== undefined;
  if (!paused) return booted ? 'booted' : 'warming';
  if (!booted) return 'stuck';
  return status.phase === 'Paused' ? 'warm' : 'pausing';
}
