import {
  BucketRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
  defaultRateLimiter,
} from '../../../src/reconcile/rate-limiter.js';
import { TokenBucket } from '../../../src/reconcile/token-bucket.js';
import { FakeClock } from './fake-clock.js';

describe('ItemExponentialRateLimiter', () => {
  test('doubles the delay per failure', () => {
    const limiter = new ItemExponentialRateLimiter(5, 1_000_000);

    const delays = Array.from({ length: 5 }, () => limiter.when('k'));

    expect(delays).toEqual([5, 10, 20, 40, 80]);
  });

  test('stops at the maximum', () => {
    const limiter = new ItemExponentialRateLimiter(5, 1_000_000);

    const delays = Array.from({ length: 30 }, () => limiter.when('k'));

    expect(delays.at(-1)).toBe(1_000_000);
    expect(Math.max(...delays)).toBe(1_000_000);
  });

  test('stays at the maximum past exponent overflow', () => {
    const limiter = new ItemExponentialRateLimiter(5, 1000);

    for (let failure = 0; failure < 1100; failure++) {
      limiter.when('k');
    }

    expect(limiter.when('k')).toBe(1000);
  });

  test('backs off per key', () => {
    const limiter = new ItemExponentialRateLimiter(5, 1000);
    limiter.when('a');
    limiter.when('a');

    expect(limiter.when('b')).toBe(5);
    expect(limiter.retries('a')).toBe(2);
    expect(limiter.retries('b')).toBe(1);
  });

  test('forget restarts at the base delay', () => {
    const limiter = new ItemExponentialRateLimiter(5, 1000);
    limiter.when('a');
    limiter.when('a');

    limiter.forget('a');

    expect(limiter.retries('a')).toBe(0);
    expect(limiter.when('a')).toBe(5);
  });
});

describe('BucketRateLimiter', () => {
  test('allows the burst, then paces retries', () => {
    const clock = new FakeClock();
    const limiter: RateLimiter = new BucketRateLimiter(new TokenBucket({ ratePerSecond: 10, burst: 2, clock }));

    const delays = ['a', 'b', 'c', 'd'].map((key) => limiter.when(key));

    expect(delays).toEqual([0, 0, 100, 200]);
  });

  test('keeps no per-key history', () => {
    const clock = new FakeClock();
    const limiter: RateLimiter = new BucketRateLimiter(new TokenBucket({ ratePerSecond: 1, burst: 1, clock }));
    limiter.when('a');

    expect(limiter.retries('a')).toBe(0);
  });
});

describe('MaxOfRateLimiter', () => {
  test('returns the longer delay', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    const limiter = new MaxOfRateLimiter(new ItemExponentialRateLimiter(5, 1000), new BucketRateLimiter(bucket));

    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(1000);
  });

  test('forwards forget and retries', () => {
    const first = new ItemExponentialRateLimiter(5, 1000);
    const second = new ItemExponentialRateLimiter(7, 1000);
    const limiter = new MaxOfRateLimiter(first, second);
    limiter.when('a');
    limiter.when('a');
    second.when('a');

    expect(limiter.retries('a')).toBe(3);
    limiter.forget('a');

    expect(first.retries('a')).toBe(0);
    expect(second.retries('a')).toBe(0);
  });

  test('with no limiters retries at once', () => {
    const limiter = new MaxOfRateLimiter();

    expect(limiter.when('a')).toBe(0);
    expect(limiter.retries('a')).toBe(0);
  });
});

describe('defaultRateLimiter', () => {
  test('starts at 5 ms and doubles', () => {
    const limiter = defaultRateLimiter({ clock: new FakeClock() });

    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('a')).toBe(10);
  });

  test('caps a key at 1000 seconds', () => {
    const limiter = defaultRateLimiter({ clock: new FakeClock() });
    let delay = 0;

    for (let failure = 0; failure < 40; failure++) {
      delay = limiter.when('a');
    }

    expect(delay).toBe(1_000_000);
  });

  test('paces bursts at 10 per second after 100', () => {
    const limiter = defaultRateLimiter({ clock: new FakeClock() });
    const keys = Array.from({ length: 102 }, (_, index) => `ns/key-${index}`);

    const delays = keys.map((key) => limiter.when(key));

    expect(delays.slice(0, 100).every((delay) => delay === 5)).toBe(true);
    expect(delays[100]).toBe(100);
    expect(delays[101]).toBe(200);
  });

  test('applies the options', () => {
    const clock = new FakeClock();
    const limiter = defaultRateLimiter({ baseDelayMs: 100, maxDelayMs: 300, ratePerSecond: 1, burst: 1, clock });

    expect([limiter.when('a'), limiter.when('a'), limiter.when('a')]).toEqual([100, 1000, 2000]);
    clock.advance(10_000);

    expect(limiter.when('a')).toBe(300);
  });
});
