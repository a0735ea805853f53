// Leader election on a coordination.k8s.io/v1 Lease, so that of several operator replicas
// exactly one reconciles while all of them serve the webhooks.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';

import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  /** How long a lease is valid after its last renewal; followers wait this long. */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long. Must be below leaseDurationMs. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. */
  retryPeriodMs?: number;
  now?: () => number;
  onStartedLeading: () => void | Promise<void>;
  onStoppedLeading: () => void | Promise<void>;
}

// The defaults of client-go's leader election, which controller-runtime uses as well.
const DEFAULT_LEASE_DURATION_MS = 15_000;
const DEFAULT_RENEW_DEADLINE_MS = 10_000;
const DEFAULT_RETRY_PERIOD_MS = 2_000;

export class LeaderElector {
  private leading = false;
  private lastRenewal = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private observed: { record: string; atMs: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.now = options.now ?? Date.now;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying to acquire the lease; returns at once. */
  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops the loop and, when leading, releases the lease so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    await this.setLeading(false);
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        lease.spec.holderIdentity = undefined;
        lease.spec.leaseDurationSeconds = 1;
        await this.options.api.replaceNamespacedLease({ namespace: this.options.namespace, name: this.options.name, body: lease });
        this.options.logger.info({ lease: this.options.name }, 'released leader lease');
      }
    } catch (error) {
      this.options.logger.warn({ err: error, lease: this.options.name }, 'failed to release leader lease');
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.logger.warn({ err: error, lease: this.options.name }, 'leader election attempt failed');
    }
    try {
      if (held) {
        this.lastRenewal = this.now();
        if (!this.leading) await this.setLeading(true);
      } else if (this.leading) {
        const sinceRenewal = this.now() - this.lastRenewal;
        // Another holder means the lease was lost for sure; a failed renewal is tolerated until
        // the renew deadline, so one slow request does not stop reconciling.
        if (!(await this.stillHolder()) || sinceRenewal >= (this.options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS)) {
          await this.setLeading(false);
        }
      }
    } catch (error) {
      // Starting the controllers failed (a list denied, say): give the lease up so that
      // another replica can try, and retry on the next period.
      this.options.logger.error({ err: error, lease: this.options.name }, 'failed to start or stop leading');
      this.leading = false;
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS);
    }
  }

  private async setLeading(leading: boolean): Promise<void> {
    if (this.leading === leading) return;
    this.leading = leading;
    const log = this.options.logger;
    if (leading) {
      log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
      await this.options.onStartedLeading();
    } else {
      log.info({ lease: this.options.name, identity: this.options.identity }, 'stopped leading');
      await this.options.onStoppedLeading();
    }
  }

  private async stillHolder(): Promise<boolean> {
    try {
      return (await this.read())?.spec?.holderIdentity === this.options.identity;
    } catch {
      return true;
    }
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.options.api.readNamespacedLease({ namespace: this.options.namespace, name: this.options.name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Returns whether this replica holds the lease after the attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.options;
    // Lease times are MicroTime. client-node would send a Date with milliseconds only, which
    // the apiserver rejects, so the time is sent as a string with microseconds.
    const now = microTime(this.now()) as unknown as Date;
    const durationSeconds = Math.ceil((this.options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS) / 1000);
    const lease = await this.read();
    if (!lease) {
      try {
        await api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
          },
        });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    }

    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder && holder !== identity && !this.expired(holder, spec.renewTime, spec.leaseDurationSeconds)) return false;

    const takingOver = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: now,
      acquireTime: takingOver ? now : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver && holder ? 1 : 0),
    };
    try {
      // The resourceVersion read above makes two replicas racing for an expired lease conflict.
      await api.replaceNamespacedLease({ namespace, name, body: lease });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /**
   * Returns whether another holder's lease has expired. Like client-go, it measures the time
   * since this replica last saw the record change on its own clock, so clock skew between
   * replicas cannot make a live lease look expired.
   */
  private expired(holder: string, renewTime: Date | string | undefined, durationSeconds: number | undefined): boolean {
    const record = `${holder}/${renewTime instanceof Date ? renewTime.toISOString() : (renewTime ?? '')}`;
    if (this.observed?.record !== record) {
      this.observed = { record, atMs: this.now() };
    }
    return this.observed.atMs + (durationSeconds ?? 15) * 1000 < this.now();
  }

}

/** Formats a time as a Kubernetes MicroTime: RFC 3339 in UTC with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
