// A rate-limited work queue of object keys (`namespace/name`) with the guarantees of
// client-go's workqueue, and the worker loop that drains it into a reconcile function.

import { type Clock, type TimerHandle, systemClock } from './clock.js';
import { type RateLimiter, defaultRateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** Delays for addRateLimited. Defaults to defaultRateLimiter() on the same clock. */
  rateLimiter?: RateLimiter;
  /**
   * Keys for which it returns true when they are queued are handed out before all others,
   * in their own FIFO order. The queue's guarantees hold across both orders.
   */
  isUrgent?: (key: string) => boolean;
}

/** Splits a queue key, `namespace/name`, into its namespace and name. */
export function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}

interface DelayedAdd {
  readyAtMs: number;
  timer: TimerHandle;
}

/**
 * A work queue of keys with these guarantees:
 * - a key is handed to at most one worker at a time;
 * - adding a key that is already queued does nothing;
 * - adding a key while a worker processes it marks it dirty, and done() queues it again;
 * - after shutDown() adds are ignored, get() hands out what is left and then returns
 *   undefined, and delayed adds that have not fired are dropped.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly fifo = new Fifo();
  private readonly urgent = new Fifo();
  private readonly isUrgent: (key: string) => boolean;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, DelayedAdd>();
  private readonly getWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.rateLimiter = options.rateLimiter ?? defaultRateLimiter({ clock: this.clock });
    this.isUrgent = options.isUrgent ?? (() => false);
  }

  private enqueue(key: string): void {
    (this.isUrgent(key) ? this.urgent : this.fifo).push(key);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) {
      return;
    }
    this.dirty.add(key);
    if (this.processing.has(key)) {
      return;
    }
    this.enqueue(key);
    this.getWaiters.shift()?.();
  }

  /**
   * Adds key after delayMs. While a delayed add of key is pending, a later one with an
   * earlier ready time replaces it, and one with a later ready time is ignored.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) {
      return;
    }
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAtMs = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending !== undefined) {
      if (pending.readyAtMs <= readyAtMs) {
        return;
      }
      this.clock.clearTimeout(pending.timer);
    }
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { readyAtMs, timer });
  }

  /** Adds key after the backoff the rate limiter assigns to its next retry. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the backoff of key; call it when key was reconciled or given up. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** Number of rate-limited retries of key since it was last forgotten. */
  retries(key: string): number {
    return this.rateLimiter.retries(key);
  }

  /**
   * Waits for a key and marks it as processing until done(key) is called. Returns undefined
   * once the queue is shut down and empty.
   */
  async get(): Promise<string | undefined> {
    while (this.length === 0 && !this.shuttingDown) {
      await new Promise<void>((resolve) => this.getWaiters.push(resolve));
    }
    const key = this.urgent.shift() ?? this.fifo.shift();
    if (key === undefined) {
      return undefined;
    }
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  /** Ends the processing of key, and queues it again if it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.enqueue(key);
      this.getWaiters.shift()?.();
    }
    if (this.processing.size === 0) {
      this.drainWaiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Number of keys waiting to be handed out, excluding delayed adds. */
  get length(): number {
    return this.urgent.length + this.fifo.length;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting keys, drops pending delayed adds and wakes every waiting get(). */
  shutDown(): void {
    this.shuttingDown = true;
    for (const pending of this.delayed.values()) {
      this.clock.clearTimeout(pending.timer);
    }
    this.delayed.clear();
    this.getWaiters.splice(0).forEach((resolve) => resolve());
  }

  /** Shuts the queue down and resolves once no key is being processed. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }
}

/** What a reconcile asks of the queue when it returns normally. */
export interface ReconcileResult {
  /** Reconcile the key again after this many milliseconds, even without a new event. */
  requeueAfterMs?: number;
}

/** Reconciles one key. Throwing retries the key with backoff, unless it throws a TerminalError. */
export type ReconcileFunction = (key: string) => Promise<ReconcileResult | void>;

/**
 * An error that retrying cannot fix, such as an object that fails validation. The worker
 * loop drops the key instead of requeueing it; the next event for the object queues it again.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface RunWorkersOptions {
  /** Called for every error a reconcile throws; retrying is false for a TerminalError. */
  onError?: (key: string, error: unknown, retrying: boolean) => void;
}

/**
 * Runs `count` workers that take keys from the queue and reconcile them, and resolves when
 * the queue is shut down and every worker has finished its last key.
 */
export async function runWorkers(
  queue: WorkQueue,
  count: number,
  reconcile: ReconcileFunction,
  options: RunWorkersOptions = {},
): Promise<void> {
  const workers = Array.from({ length: count }, async () => {
    while (await processNextKey(queue, reconcile, options)) {
      // Each iteration handles one key.
    }
  });
  await Promise.all(workers);
}

/** Takes one key and reconciles it. Returns false once the queue is shut down and empty. */
async function processNextKey(
  queue: WorkQueue,
  reconcile: ReconcileFunction,
  options: RunWorkersOptions,
): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) {
    return false;
  }
  try {
    const result = await reconcile(key);
    queue.forget(key);
    if (result?.requeueAfterMs !== undefined) {
      queue.addAfter(key, result.requeueAfterMs);
    }
  } catch (error) {
    const retrying = !(error instanceof TerminalError);
    if (retrying) {
      queue.addRateLimited(key);
    } else {
      queue.forget(key);
    }
    options.onError?.(key, error, retrying);
  } finally {
    queue.done(key);
  }
  return true;
}

/** A first-in, first-out list of keys with constant-time shift. */
class Fifo {
  private items: Array<string | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(key: string): void {
    this.items.push(key);
  }

  shift(): string | undefined {
    if (this.head === this.items.length) {
      return undefined;
    }
    const key = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return key;
  }
}
