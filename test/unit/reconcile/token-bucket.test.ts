import { TokenBucket } from '../../../src/reconcile/token-bucket.js';
import { FakeClock, settle } from './fake-clock.js';

describe('TokenBucket', () => {
  test('tryTake allows the burst and then refuses', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3, clock });

    const taken = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];

    expect(taken).toEqual([true, true, true, false]);
  });

  test('tokens refill at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, burst: 1, clock });
    bucket.tryTake();

    clock.advance(499);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
  });

  test('refill stops at the burst', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 2, clock });

    clock.advance(60_000);

    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });

  test('reserve queues callers behind each other', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, burst: 1, clock });

    const waits = [bucket.reserve(), bucket.reserve(), bucket.reserve()];

    expect(waits).toEqual([0, 250, 500]);
  });

  test('take waits on the injected clock', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock });
    await bucket.take();
    let resolved = false;

    const second = bucket.take().then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false);
    clock.advance(1000);
    await second;

    expect(resolved).toBe(true);
  });

  test.each([
    ['zero rate', { ratePerSecond: 0, burst: 1 }],
    ['infinite rate', { ratePerSecond: Infinity, burst: 1 }],
    ['zero burst', { ratePerSecond: 1, burst: 0 }],
    ['fractional burst', { ratePerSecond: 1, burst: 1.5 }],
  ])('constructor rejects %s', (_name, options) => {
    expect(() => new TokenBucket(options)).toThrow(RangeError);
  });
});
