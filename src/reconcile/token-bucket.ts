import { type Clock, sleep, systemClock } from './clock.js';

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Capacity of the bucket, and the number of tokens it starts with. */
  burst: number;
  clock?: Clock;
}

/**
 * A token bucket: it refills at ratePerSecond up to burst tokens, and each action takes one.
 *
 * reserve() may take a token before it has been refilled, leaving the bucket in debt, so that
 * concurrent callers queue up behind each other in the order they called, as with Go's
 * rate.Limiter.
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private lastRefillMs: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(`invalid ratePerSecond ${options.ratePerSecond}: must be a finite number > 0`);
    }
    if (!Number.isInteger(options.burst) || options.burst < 1) {
      throw new RangeError(`invalid burst ${options.burst}: must be an integer >= 1`);
    }
    this.ratePerMs = options.ratePerSecond / 1000;
    this.burst = options.burst;
    this.clock = options.clock ?? systemClock;
    this.tokens = options.burst;
    this.lastRefillMs = this.clock.now();
  }

  /** Takes a token if one is available now and returns whether it did. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) {
      return false;
    }
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes a token now and returns how many milliseconds the caller must wait before acting
   * on it; 0 means act at once.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : -this.tokens / this.ratePerMs;
  }

  /** Waits until a token is available and takes it. */
  async take(): Promise<void> {
    const waitMs = this.reserve();
    if (waitMs > 0) {
      await sleep(this.clock, waitMs);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.lastRefillMs);
    this.tokens = Math.min(this.burst, this.tokens + elapsedMs * this.ratePerMs);
    this.lastRefillMs = now;
  }
}
