// The ReserveSet controller keeps spec.replicas unclaimed members: it creates members,
// pauses each one once its Pod has become Ready (the heavy boot is done), lets claimed
// members go, and replaces stale and stuck ones. Creations are paced by expectations and a
// token bucket, so a lagging cache or a burst never floods the apiserver.
import type { Logger } from 'pino';

import type { EventRecorder } from '../../client/events.js';
import { isAlreadyExists, isConflict, isNotFound } from '../../client/errors.js';
import type { ChangeType, Store } from '../../client/informer.js';
import type { KubeClient } from '../../client/kube-client.js';
import { RESERVESET_KIND, RESERVESET_LABEL } from '../../schema/constants.js';
import { computeTemplateHash } from '../../schema/template-hash.js';
import type { Reserve, ReserveSet } from '../../schema/types.js';
import { type Clock, parseTime, systemClock } from '../clock.js';
import { Expectations } from '../expectations.js';
import type { Metrics } from '../metrics.js';
import { isControlledBy } from '../owner.js';
import { splitKey, type ReconcileResult } from '../queue.js';
import type { TokenBucket } from '../token-bucket.js';
import { buildMember, classifyMember, MEMBER_STATES, memberName, type MemberState } from './members.js';
import { maxUnavailableCount, rankForScaleDown, runInSlowStartBatches, MAX_BURST_PER_SYNC } from './scale.js';
import { calculateReserveSetStatus, reserveSetStatusEqual } from './status.js';

export interface ReserveSetControllerDependencies {
  client: KubeClient;
  reserveSets: Store<ReserveSet>;
  reserves: Store<Reserve>;
  events: EventRecorder;
  logger: Logger;
  createBucket: TokenBucket;
  metrics?: Metrics;
  clock?: Clock;
  expectations?: Expectations;
}

/** A member with the state the set controller assigned it in this pass. */
interface ClassifiedMember {
  member: Reserve;
  state: MemberState;
}

/** Replacing stuck members backs off from this delay, doubling up to the maximum. */
const STUCK_REPLACEMENT_INITIAL_DELAY_MS = 30_000;
const STUCK_REPLACEMENT_MAX_DELAY_MS = 10 * 60_000;
/** Pauses of booted members in flight at once within one reconcile. */
const PAUSE_CONCURRENCY = 16;

export class ReserveSetController {
  readonly name = 'reserveset';
  private readonly clock: Clock;
  readonly expectations: Expectations;
  private readonly stuckReplacements = new Map<string, { count: number; nextAllowedMs: number }>();

  constructor(private readonly deps: ReserveSetControllerDependencies) {
    this.clock = deps.clock ?? systemClock;
    this.expectations = deps.expectations ?? new Expectations({ clock: this.clock });
  }

  /** Lowers the expectations of the member's set when the watch reports its creation or deletion. */
  observeMember(type: ChangeType, member: Reserve): void {
    const owner = member.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === RESERVESET_KIND);
    const setName = owner?.name ?? member.spec.claim?.reserveSet;
    if (!setName) return;
    const key = `${member.metadata.namespace}/${setName}`;
    if (type === 'add') this.expectations.creationObserved(key);
    if (type === 'delete') this.expectations.deletionObserved(key, member.metadata.name!);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const [namespace, name] = splitKey(key);
    const set = this.deps.reserveSets.get(namespace, name);
    if (!set) {
      this.expectations.delete(key);
      this.stuckReplacements.delete(key);
      return {};
    }
    const log = this.deps.logger.child({ namespace, name, uid: set.metadata.uid });
    const templateHash = computeTemplateHash(set.spec.template, set.spec.volumeClaimTemplates);
    const members = this.members(set).map((member) => ({ member, state: classifyMember(member, templateHash, set) }));

    // Expectations guard only creations and deletions, because they are what a lagging
    // cache would repeat; pausing and releasing are conditional on resourceVersion.
    await this.releaseClaimed(set, members, log);
    await this.pauseBooted(set, members, log);
    let requeueAfterMs: number | undefined;
    if (set.metadata.deletionTimestamp === undefined && this.expectations.satisfied(key)) {
      requeueAfterMs = await this.manageReplicas(key, set, members, templateHash, log);
    }
    await this.syncStatus(set, members, templateHash);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  private members(set: ReserveSet): Reserve[] {
    return this.deps.reserves.list(set.metadata.namespace).filter((reserve) => isControlledBy(reserve.metadata, set.metadata.uid));
  }

  /**
   * Lets go of members that were claimed but are still controlled by the set. The webhook
   * removes the ownerReference in the claim's own write, so this happens only when the
   * webhook was bypassed; the member is never paused again or deleted.
   */
  private async releaseClaimed(set: ReserveSet, members: ClassifiedMember[], log: Logger): Promise<void> {
    for (const { member, state } of members) {
      if (state !== 'claimed') continue;
      const ownerReferences = (member.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== set.metadata.uid);
      try {
        await this.deps.client.patchReserve(member.metadata.namespace!, member.metadata.name!, {
          metadata: {
            resourceVersion: member.metadata.resourceVersion,
            ownerReferences,
            labels: { [RESERVESET_LABEL]: null },
          },
        });
      } catch (error) {
        if (isConflict(error) || isNotFound(error)) continue;
        throw error;
      }
      if (member.spec.claim !== undefined) {
        // A claimed Reserve that was put back under the set by hand (an admin's edit).
        log.warn({ member: member.metadata.name }, 'released a claimed Reserve that was controlled by the set again');
        this.deps.events.record(
          set,
          'Warning',
          'ReleasedClaimedReserve',
          `Reserve ${member.metadata.name} is claimed by ${member.spec.claim.user} but was controlled by this set again; it is released and left as it is.`,
        );
        continue;
      }
      this.deps.metrics?.claimsTotal.inc({ namespace: set.metadata.namespace, reserveset: set.metadata.name });
      log.warn({ member: member.metadata.name }, 'released a member claimed without the admission webhook');
      this.deps.events.record(
        set,
        'Warning',
        'ClaimedWithoutWebhook',
        `Member ${member.metadata.name} was unpaused without going through the claim webhook; it is released from the set ` +
          'and left running. Check that the MutatingWebhookConfiguration of reserve is installed.',
      );
    }
  }

  /** Pauses members whose Pod has become Ready once: their heavy boot is done, so they are warm. */
  private async pauseBooted(set: ReserveSet, members: ClassifiedMember[], log: Logger): Promise<void> {
    const booted = members.filter(({ state }) => state === 'booted').map(({ member }) => member);
    // Pauses are independent writes, each a round trip through the webhooks: issuing them
    // one at a time made a large pool wait seconds per member after its boot.
    for (let start = 0; start < booted.length; start += PAUSE_CONCURRENCY) {
      const batch = booted.slice(start, start + PAUSE_CONCURRENCY);
      const results = await Promise.allSettled(batch.map((member) => this.pauseMember(set, member, log)));
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
    }
  }

  private async pauseMember(set: ReserveSet, member: Reserve, log: Logger): Promise<void> {
    try {
      // The resourceVersion precondition loses against a claim written in the meantime.
      await this.deps.client.patchReserve(member.metadata.namespace!, member.metadata.name!, {
        metadata: { resourceVersion: member.metadata.resourceVersion },
        spec: { paused: true },
      });
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return;
      throw error;
    }
    log.info({ member: member.metadata.name }, 'pausing booted member');
    const firstReady = parseTime(member.status?.firstReadyTime);
    const created = parseTime(member.metadata.creationTimestamp as Date | string | undefined);
    if (firstReady !== undefined && created !== undefined) {
      this.deps.metrics?.timeToWarm.observe({ namespace: set.metadata.namespace }, Math.max(0, firstReady - created) / 1000);
    }
  }

  /** Creates or deletes members; returns a requeue delay when work is left for later. */
  private async manageReplicas(
    key: string,
    set: ReserveSet,
    members: ClassifiedMember[],
    templateHash: string,
    log: Logger,
  ): Promise<number | undefined> {
    const unclaimed = members.filter(({ state }) => state !== 'claimed');
    const desired = set.spec.replicas ?? 1;
    const diff = desired - unclaimed.length;

    if (diff > 0) return this.createMembers(key, set, Math.min(diff, MAX_BURST_PER_SYNC), templateHash, log);

    if (diff < 0) {
      const candidates = unclaimed.filter(({ state }) => state !== 'deleting');
      const victims = rankForScaleDown(candidates).slice(0, Math.min(-diff, MAX_BURST_PER_SYNC));
      await this.deleteMembers(key, set, victims, 'ScaledDown', log);
      return undefined;
    }

    const stale = unclaimed.filter(({ state }) => state === 'stale');
    if (stale.length > 0) {
      const budget = maxUnavailableCount(set, desired);
      const unavailable = unclaimed.filter(({ state }) => state === 'deleting' || state === 'warming' || state === 'booted' || state === 'pausing').length;
      const replace = stale.slice(0, Math.max(0, budget - unavailable));
      await this.deleteMembers(key, set, replace, 'TemplateChanged', log);
    }

    return this.replaceStuck(key, set, unclaimed, log);
  }

  private async createMembers(key: string, set: ReserveSet, count: number, templateHash: string, log: Logger): Promise<undefined> {
    this.expectations.expectCreations(key, count);
    const result = await runInSlowStartBatches(count, async () => {
      await this.deps.createBucket.take();
      const member = buildMember(set, memberName(set.metadata.name!), templateHash);
      try {
        await this.deps.client.createReserve(member);
      } catch (error) {
        this.expectations.creationFailed(key);
        // A random suffix that collided: the next pass picks another one.
        if (isAlreadyExists(error)) return;
        throw error;
      }
    });
    // Creations never attempted will never be observed, so they no longer count as expected.
    for (let skipped = 0; skipped < result.skipped; skipped++) this.expectations.creationFailed(key);
    log.info({ created: result.succeeded, failed: result.failed, skipped: result.skipped }, 'created members');
    if (result.error) {
      this.deps.events.record(set, 'Warning', 'FailedCreate', `Failed to create members: ${errorMessage(result.error)}`);
      throw result.error;
    }
    return undefined;
  }

  private async deleteMembers(key: string, set: ReserveSet, victims: ClassifiedMember[], reason: string, log: Logger): Promise<void> {
    if (victims.length === 0) return;
    this.expectations.expectDeletions(key, victims.map(({ member }) => member.metadata.name!));
    for (const { member } of victims) {
      try {
        // The resourceVersion precondition makes a delete lose against a claim written since
        // the cache was filled, so a member claimed at this moment is never deleted.
        await this.deps.client.deleteReserve(member.metadata.namespace!, member.metadata.name!, {
          uid: member.metadata.uid,
          resourceVersion: member.metadata.resourceVersion,
        });
      } catch (error) {
        this.expectations.deletionObserved(key, member.metadata.name!);
        if (isConflict(error) || isNotFound(error)) continue;
        throw error;
      }
    }
    log.info({ deleted: victims.map(({ member }) => member.metadata.name), reason }, 'deleting members');
  }

  /** Deletes one stuck member per backoff period, so a broken template does not loop hot. */
  private async replaceStuck(key: string, set: ReserveSet, unclaimed: ClassifiedMember[], log: Logger): Promise<number | undefined> {
    const stuck = unclaimed.filter(({ state }) => state === 'stuck');
    if (stuck.length === 0) {
      // The backoff resets only once the pool is healthy: while a replacement warms up, the
      // next member to get stuck must still wait its turn.
      if (unclaimed.every(({ state }) => state === 'warm')) this.stuckReplacements.delete(key);
      return undefined;
    }
    const record = this.stuckReplacements.get(key) ?? { count: 0, nextAllowedMs: 0 };
    const now = this.clock.now();
    if (now < record.nextAllowedMs) return record.nextAllowedMs - now;

    const delayMs = Math.min(STUCK_REPLACEMENT_MAX_DELAY_MS, STUCK_REPLACEMENT_INITIAL_DELAY_MS * 2 ** record.count);
    this.stuckReplacements.set(key, { count: record.count + 1, nextAllowedMs: now + delayMs });
    const victim = stuck[0]!;
    this.deps.events.record(
      set,
      'Warning',
      'ReplacingStuckMember',
      `Member ${victim.member.metadata.name} cannot become warm; replacing it (next replacement in ${Math.round(delayMs / 1000)}s at the earliest)`,
    );
    await this.deleteMembers(key, set, [victim], 'Stuck', log);
    return delayMs;
  }

  private async syncStatus(set: ReserveSet, members: ClassifiedMember[], templateHash: string): Promise<void> {
    const claimedReplicas = this.deps.reserves
      .list(set.metadata.namespace)
      .filter((reserve) => reserve.spec.claim?.reserveSet === set.metadata.name && wasClaimedFrom(reserve, set)).length;
    const status = calculateReserveSetStatus({ set, members, claimedReplicas, templateHash, now: this.clock.now() });
    this.recordGauges(set, members);
    if (reserveSetStatusEqual(set.status, status)) return;
    try {
      await this.deps.client.updateReserveSetStatus({ ...set, status });
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return;
      throw error;
    }
  }

  private recordGauges(set: ReserveSet, members: ClassifiedMember[]): void {
    const gauge = this.deps.metrics?.poolMembers;
    if (!gauge) return;
    const counts = new Map<string, number>();
    for (const { state } of members) counts.set(state, (counts.get(state) ?? 0) + 1);
    for (const state of MEMBER_STATES) {
      gauge.set({ namespace: set.metadata.namespace, reserveset: set.metadata.name, state }, counts.get(state) ?? 0);
    }
  }
}

/**
 * Returns whether a claimed Reserve came from this set rather than from an earlier set of the
 * same name: it was claimed after the set was created.
 */
function wasClaimedFrom(reserve: Reserve, set: ReserveSet): boolean {
  const claimed = parseTime(reserve.spec.claim?.time);
  const created = parseTime(set.metadata.creationTimestamp as Date | string | undefined);
  return claimed === undefined || created === undefined || claimed >= created;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
