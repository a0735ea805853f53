import type { Clock, TimerHandle } from '../../../src/reconcile/clock.js';

interface FakeTimer {
  id: number;
  dueMs: number;
  callback: () => void;
}

/** Most timers one advance() fires before it gives up. */
const MAX_TIMERS_PER_ADVANCE = 100_000;

/** A Clock whose time moves only when a test calls advance(). */
export class FakeClock implements Clock {
  private timers: FakeTimer[] = [];
  private nextId = 1;

  constructor(private currentMs = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.currentMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueMs: this.currentMs + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Number of timers that have not fired or been cleared. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by ms and fires due timers in order, each at its own due time. Throws
   * after MAX_TIMERS_PER_ADVANCE timers, so a timer that keeps rescheduling itself within the
   * window fails the test instead of hanging it.
   */
  advance(ms: number): void {
    const targetMs = this.currentMs + ms;
    for (let fired = 0; ; fired++) {
      if (fired >= MAX_TIMERS_PER_ADVANCE) {
        throw new Error(`FakeClock.advance(${ms}) fired ${fired} timers; a timer probably reschedules itself`);
      }
      const due = this.timers
        .filter((timer) => timer.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (due === undefined) {
        break;
      }
      this.timers = this.timers.filter((timer) => timer !== due);
      this.currentMs = due.dueMs;
      due.callback();
    }
    this.currentMs = targetMs;
  }
}

/** Lets every pending promise continuation run, without moving any clock. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
