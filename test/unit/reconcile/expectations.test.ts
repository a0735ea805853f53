import { DEFAULT_EXPECTATIONS_TIMEOUT_MS, Expectations } from '../../../src/reconcile/expectations.js';
import { FakeClock } from './fake-clock.js';

const KEY = 'default/pool';
const TIMEOUT_MS = 60_000;

function newExpectations(): { expectations: Expectations; clock: FakeClock } {
  const clock = new FakeClock();
  return { expectations: new Expectations({ clock, timeoutMs: TIMEOUT_MS }), clock };
}

describe('Expectations', () => {
  test('key without a record is satisfied', () => {
    const { expectations } = newExpectations();

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('expected creations wait for every observation', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 3);

    expectations.creationObserved(KEY);
    expectations.creationObserved(KEY);
    expect(expectations.satisfied(KEY)).toBe(false);
    expectations.creationObserved(KEY);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('failed creations lower the record', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 2);

    expectations.creationObserved(KEY);
    expectations.creationFailed(KEY);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('extra observations keep the record satisfied', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 1);
    expectations.creationObserved(KEY);
    expectations.creationObserved(KEY);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('expectCreations replaces the expected count', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 5);
    expectations.expectCreations(KEY, 1);

    expectations.creationObserved(KEY);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('observations of other keys do not count', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 1);

    expectations.creationObserved('default/other');
    expectations.deletionObserved('default/other', 'a');

    expect(expectations.satisfied(KEY)).toBe(false);
    expect(expectations.satisfied('default/other')).toBe(true);
  });

  test('expected deletions wait for each name', () => {
    const { expectations } = newExpectations();
    expectations.expectDeletions(KEY, ['pool-a', 'pool-b']);

    expectations.deletionObserved(KEY, 'pool-a');
    expectations.deletionObserved(KEY, 'pool-a');
    expect(expectations.satisfied(KEY)).toBe(false);
    expectations.deletionObserved(KEY, 'pool-b');

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('unexpected deletion names are ignored', () => {
    const { expectations } = newExpectations();
    expectations.expectDeletions(KEY, ['pool-a']);

    expectations.deletionObserved(KEY, 'pool-z');

    expect(expectations.satisfied(KEY)).toBe(false);
  });

  test('expectDeletions adds to pending deletions', () => {
    const { expectations } = newExpectations();
    expectations.expectDeletions(KEY, ['pool-a']);
    expectations.expectDeletions(KEY, ['pool-b']);

    expectations.deletionObserved(KEY, 'pool-b');

    expect(expectations.satisfied(KEY)).toBe(false);
  });

  test('creations and deletions must both be observed', () => {
    const { expectations } = newExpectations();
    expectations.expectDeletions(KEY, ['pool-a']);
    expectations.expectCreations(KEY, 1);

    expectations.creationObserved(KEY);
    expect(expectations.satisfied(KEY)).toBe(false);
    expectations.deletionObserved(KEY, 'pool-a');

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('record expires after the timeout', () => {
    const { expectations, clock } = newExpectations();
    expectations.expectCreations(KEY, 1);

    clock.advance(TIMEOUT_MS);
    expect(expectations.satisfied(KEY)).toBe(false);
    clock.advance(1);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('new expectation restarts the timeout', () => {
    const { expectations, clock } = newExpectations();
    expectations.expectCreations(KEY, 1);
    clock.advance(TIMEOUT_MS - 1000);

    expectations.expectDeletions(KEY, ['pool-a']);
    clock.advance(1001);

    expect(expectations.satisfied(KEY)).toBe(false);
  });

  test('expired record starts over', () => {
    const { expectations, clock } = newExpectations();
    expectations.expectDeletions(KEY, ['pool-a']);
    clock.advance(TIMEOUT_MS + 1);

    expectations.expectCreations(KEY, 1);
    expectations.creationObserved(KEY);

    // The deletion expected before the timeout is not carried into the new record.
    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('delete drops the record', () => {
    const { expectations } = newExpectations();
    expectations.expectCreations(KEY, 2);

    expectations.delete(KEY);

    expect(expectations.satisfied(KEY)).toBe(true);
  });

  test('default timeout is five minutes', () => {
    const clock = new FakeClock();
    const expectations = new Expectations({ clock });
    expectations.expectCreations(KEY, 1);

    clock.advance(5 * 60_000);
    expect(expectations.satisfied(KEY)).toBe(false);
    clock.advance(1);

    expect(expectations.satisfied(KEY)).toBe(true);
    expect(DEFAULT_EXPECTATIONS_TIMEOUT_MS).toBe(5 * 60_000);
  });
});
