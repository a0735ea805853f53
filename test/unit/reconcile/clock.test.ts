import { formatTime, parseTime, sleep, systemClock } from '../../../src/reconcile/clock.js';
import { FakeClock, settle } from './fake-clock.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('formatTime', () => {
  test.each([
    [T0, '2026-01-01T00:00:00Z'],
    [T0 + 999, '2026-01-01T00:00:00Z'],
    [T0 + 1000, '2026-01-01T00:00:01Z'],
    [T0 + 61_500, '2026-01-01T00:01:01Z'],
  ])('formats %i as %s', (ms, expected) => {
    expect(formatTime(ms)).toBe(expected);
  });

  test('round-trips through parseTime', () => {
    expect(parseTime(formatTime(T0 + 42_000))).toBe(T0 + 42_000);
  });
});

describe('parseTime', () => {
  test('parses RFC 3339 strings', () => {
    expect(parseTime('2026-01-01T00:00:05Z')).toBe(T0 + 5000);
    expect(parseTime('2026-01-01T01:00:05+01:00')).toBe(T0 + 5000);
  });

  test('accepts Dates', () => {
    expect(parseTime(new Date(T0 + 5000))).toBe(T0 + 5000);
  });

  test.each([undefined, null, '', 'yesterday'])('returns undefined for %p', (value) => {
    expect(parseTime(value)).toBeUndefined();
  });

  test('returns undefined for an invalid Date', () => {
    expect(parseTime(new Date('invalid'))).toBeUndefined();
  });
});

describe('sleep', () => {
  test('resolves after the delay on the given clock', async () => {
    const clock = new FakeClock();
    let resolved = false;
    const sleeping = sleep(clock, 1000).then(() => {
      resolved = true;
    });

    clock.advance(999);
    await settle();
    expect(resolved).toBe(false);
    clock.advance(1);
    await sleeping;

    expect(resolved).toBe(true);
  });
});

describe('systemClock', () => {
  test('reads the process time', () => {
    const before = Date.now();
    const now = systemClock.now();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  test('cleared timer never fires', async () => {
    let fired = false;
    const handle = systemClock.setTimeout(() => {
      fired = true;
    }, 0);

    systemClock.clearTimeout(handle);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(fired).toBe(false);
  });

  test('timer does not keep the process alive', () => {
    const handle = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;

    expect(handle.hasRef()).toBe(false);
    systemClock.clearTimeout(handle);
  });
});
