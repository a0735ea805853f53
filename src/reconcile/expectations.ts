// Controller expectations, as in the ReplicaSet controller: a controller records the creates
// and deletes it has sent before it sends them, and its watch lowers the record as the
// informer cache catches up. Until the record is satisfied the cache lags behind the
// controller's own writes, and counting children in it would create or delete too many.

import { type Clock, systemClock } from './clock.js';

/** How long a record may wait for its events; after that one lost event cannot wedge a key. */
export const DEFAULT_EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

export interface ExpectationsOptions {
  clock?: Pick<Clock, 'now'>;
  timeoutMs?: number;
}

interface ExpectationRecord {
  /** Creates sent and not yet observed; may go below 0 when events outrun the record. */
  pendingCreations: number;
  /** Names or UIDs of children whose deletion was sent and not yet observed. */
  pendingDeletions: Set<string>;
  recordedAtMs: number;
}

/** Expected creates and deletes per controller key (`namespace/name` of the parent). */
export class Expectations {
  private readonly records = new Map<string, ExpectationRecord>();
  private readonly clock: Pick<Clock, 'now'>;
  private readonly timeoutMs: number;

  constructor(options: ExpectationsOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_EXPECTATIONS_TIMEOUT_MS;
  }

  /**
   * Records that count creates are about to be sent for key, replacing the expected creates
   * and restarting the timeout. Expected deletes of a record that has not expired are kept.
   */
  expectCreations(key: string, count: number): void {
    const record = this.liveRecord(key);
    record.pendingCreations = count;
  }

  /** Lowers the expected creates of key when the informer delivers a created child. */
  creationObserved(key: string): void {
    const record = this.records.get(key);
    if (record !== undefined) {
      record.pendingCreations -= 1;
    }
  }

  /** Lowers the expected creates of key for a create that failed, or was never sent. */
  creationFailed(key: string): void {
    this.creationObserved(key);
  }

  /**
   * Records that the children named (by name or UID, used consistently) are about to be
   * deleted, adding to those already expected, and restarts the timeout.
   */
  expectDeletions(key: string, names: Iterable<string>): void {
    const record = this.liveRecord(key);
    for (const name of names) {
      record.pendingDeletions.add(name);
    }
  }

  /**
   * Clears one expected delete of key, when the informer delivers the deletion or the
   * delete request failed. Names that were not expected are ignored.
   */
  deletionObserved(key: string, name: string): void {
    this.records.get(key)?.pendingDeletions.delete(name);
  }

  /**
   * Returns whether the informer cache has caught up with the writes recorded for key: no
   * record, every create and delete observed, or the record older than the timeout.
   */
  satisfied(key: string): boolean {
    const record = this.records.get(key);
    if (record === undefined) {
      return true;
    }
    const fulfilled = record.pendingCreations <= 0 && record.pendingDeletions.size === 0;
    return fulfilled || this.expired(record);
  }

  /** Drops the record of key, when the parent is deleted. */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** Returns the record of key with a fresh timestamp, starting over if it had expired. */
  private liveRecord(key: string): ExpectationRecord {
    const now = this.clock.now();
    let record = this.records.get(key);
    if (record === undefined || this.expired(record)) {
      record = { pendingCreations: 0, pendingDeletions: new Set(), recordedAtMs: now };
      this.records.set(key, record);
    }
    record.recordedAtMs = now;
    return record;
  }

  private expired(record: ExpectationRecord): boolean {
    return this.clock.now() - record.recordedAtMs > this.timeoutMs;
  }
}
