import { getCondition, isTrue, setCondition } from '../../../src/reconcile/conditions.js';
import type { Condition } from '../../../src/schema/types.js';
import { T0, at } from './builders.js';

const LATER = T0 + 90_000;

function condition(type: string, status: Condition['status'], lastTransitionTime = at(0)): Condition {
  return { type, status, reason: 'Before', message: 'before', observedGeneration: 1, lastTransitionTime };
}

describe('setCondition', () => {
  test('appends a new type stamped now', () => {
    const existing = [condition('Ready', 'True')];

    const result = setCondition(existing, { type: 'Stalled', status: 'False', reason: 'NotStalled', message: '' }, 2, LATER);

    expect(result).toEqual([
      existing[0],
      { type: 'Stalled', status: 'False', reason: 'NotStalled', message: '', observedGeneration: 2, lastTransitionTime: at(90) },
    ]);
  });

  test('keeps the transition time when status is unchanged', () => {
    const existing = [condition('Ready', 'True')];

    const [ready] = setCondition(existing, { type: 'Ready', status: 'True', reason: 'PodReady', message: 'now' }, 2, LATER);

    expect(ready!.lastTransitionTime).toBe(at(0));
    expect(ready!.reason).toBe('PodReady');
    expect(ready!.message).toBe('now');
    expect(ready!.observedGeneration).toBe(2);
  });

  test('moves the transition time when status flips', () => {
    const existing = [condition('Ready', 'True')];

    const [ready] = setCondition(existing, { type: 'Ready', status: 'False', reason: 'PodStarting', message: '' }, 1, LATER);

    expect(ready!.status).toBe('False');
    expect(ready!.lastTransitionTime).toBe(at(90));
  });

  test('keeps order and other conditions', () => {
    const existing = [condition('Ready', 'True'), condition('Paused', 'False'), condition('Stalled', 'False')];

    const result = setCondition(existing, { type: 'Paused', status: 'True', reason: 'Paused', message: '' }, 1, LATER);

    expect(result.map((entry) => entry.type)).toEqual(['Ready', 'Paused', 'Stalled']);
    expect(result[0]).toBe(existing[0]);
    expect(result[2]).toBe(existing[2]);
  });

  test('does not modify its input', () => {
    const existing = [condition('Ready', 'True')];
    const before = structuredClone(existing);

    setCondition(existing, { type: 'Ready', status: 'False', reason: 'X', message: '' }, 3, LATER);

    expect(existing).toEqual(before);
  });

  test('omits observedGeneration when unknown', () => {
    const [ready] = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'X', message: '' }, undefined, LATER);

    expect(ready).not.toHaveProperty('observedGeneration');
  });

  test('formats the time with whole seconds', () => {
    const [ready] = setCondition([], { type: 'Ready', status: 'True', reason: 'X', message: '' }, 1, T0 + 1999);

    expect(ready!.lastTransitionTime).toBe('2026-01-01T00:00:01Z');
  });
});

describe('condition lookups', () => {
  const conditions = [condition('Ready', 'True'), condition('Stalled', 'False'), condition('Paused', 'Unknown')];

  test('getCondition finds by type', () => {
    expect(getCondition(conditions, 'Stalled')).toBe(conditions[1]);
    expect(getCondition(conditions, 'Missing')).toBeUndefined();
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
  });

  test.each([
    ['Ready', true],
    ['Stalled', false],
    ['Paused', false],
    ['Missing', false],
  ])('isTrue of %s is %s', (type, expected) => {
    expect(isTrue(conditions, type)).toBe(expected);
  });
});
