import type { Clock } from './clock.js';
import { TokenBucket } from './token-bucket.js';

/** Decides how long a failed item waits before it is retried. */
export interface RateLimiter {
  /** Records one more failure of key and returns the delay in milliseconds before its retry. */
  when(key: string): number;
  /** Clears the failure history of key, after it succeeded or was given up. */
  forget(key: string): void;
  /** Number of failures of key since it was last forgotten. */
  retries(key: string): number;
}

/** Per-item exponential backoff: baseDelayMs · 2^failures, capped at maxDelayMs. */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // 2^failures overflows to Infinity after about 1000 failures; Math.min still caps it.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** failures);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** An overall limit across all items, so that a burst of failures cannot flood the apiserver. */
export class BucketRateLimiter implements RateLimiter {
  constructor(private readonly bucket: TokenBucket) {}

  when(): number {
    return this.bucket.reserve();
  }

  forget(): void {}

  retries(): number {
    return 0;
  }
}

/** Combines limiters: the delay is the longest of theirs. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.limiters) {
      limiter.forget(key);
    }
  }

  retries(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.retries(key)));
  }
}

export interface DefaultRateLimiterOptions {
  /** First retry delay of an item; doubles on each further failure. Default 5 ms. */
  baseDelayMs?: number;
  /** Longest retry delay of an item. Default 1000 s. */
  maxDelayMs?: number;
  /** Retries per second across all items. Default 10. */
  ratePerSecond?: number;
  /** Retries allowed at once across all items before ratePerSecond applies. Default 100. */
  burst?: number;
  clock?: Clock;
}

/**
 * Returns the limiter that client-go's controllers use by default: per-item exponential
 * backoff from 5 ms to 1000 s, combined with an overall bucket of 10 retries per second and a
 * burst of 100.
 */
export function defaultRateLimiter(options: DefaultRateLimiterOptions = {}): RateLimiter {
  const bucket = new TokenBucket({
    ratePerSecond: options.ratePerSecond ?? 10,
    burst: options.burst ?? 100,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(options.baseDelayMs ?? 5, options.maxDelayMs ?? 1_000_000),
    new BucketRateLimiter(bucket),
  );
}
