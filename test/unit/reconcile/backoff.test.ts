import {
  DEFAULT_FAILURE_BACKOFF,
  type FailureBackoff,
  failureDelayMs,
  isStalledByFailures,
  recreateDelayMs,
} from '../../../src/reconcile/reserve/backoff.js';
import { T0 } from './builders.js';

const BACKOFF: FailureBackoff = { initialDelayMs: 1000, maxDelayMs: 10_000, stallThreshold: 3 };

describe('failureDelayMs', () => {
  test.each([
    [0, 0],
    [-1, 0],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10_000],
    [2000, 10_000],
  ])('failure %i waits %i ms', (failures, expected) => {
    expect(failureDelayMs(BACKOFF, failures)).toBe(expected);
  });

  test('default starts at 10 s and stops at 5 min', () => {
    expect(failureDelayMs(DEFAULT_FAILURE_BACKOFF, 1)).toBe(10_000);
    expect(failureDelayMs(DEFAULT_FAILURE_BACKOFF, 2)).toBe(20_000);
    expect(failureDelayMs(DEFAULT_FAILURE_BACKOFF, 10)).toBe(5 * 60_000);
  });
});

describe('recreateDelayMs', () => {
  test('waits the rest of the backoff', () => {
    expect(recreateDelayMs(BACKOFF, 2, T0, T0 + 500)).toBe(1500);
  });

  test('is zero once the backoff has passed', () => {
    expect(recreateDelayMs(BACKOFF, 2, T0, T0 + 2000)).toBe(0);
    expect(recreateDelayMs(BACKOFF, 2, T0, T0 + 60_000)).toBe(0);
  });

  test('unknown failure time waits nothing', () => {
    expect(recreateDelayMs(BACKOFF, 5, undefined, T0)).toBe(0);
  });

  test('failure time in the future waits the full backoff from it', () => {
    expect(recreateDelayMs(BACKOFF, 1, T0 + 3000, T0)).toBe(4000);
  });
});

describe('isStalledByFailures', () => {
  test.each([
    [0, false],
    [2, false],
    [3, true],
    [4, true],
  ])('%i failures stalled: %s', (failures, expected) => {
    expect(isStalledByFailures(BACKOFF, failures)).toBe(expected);
  });

  test('default threshold is 5', () => {
    expect(isStalledByFailures(DEFAULT_FAILURE_BACKOFF, 4)).toBe(false);
    expect(isStalledByFailures(DEFAULT_FAILURE_BACKOFF, 5)).toBe(true);
  });
});
