// Time sources for the reconcilers. Everything that reads the time or waits takes a Clock,
// so tests drive time with a fake clock instead of sleeping.

/** Handle returned by Clock.setTimeout; opaque to callers. */
export type TimerHandle = unknown;

/** Wall clock and one-shot timers, in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The process clock. Its timers are unref'd so that a pending delay never keeps Node alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Resolves after delayMs on the given clock. */
export function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, delayMs);
  });
}

/**
 * Formats a time as a Kubernetes metav1.Time: RFC 3339 in UTC with whole seconds, because
 * the apiserver drops fractions and a status written with them would never compare equal.
 */
export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Parses a Kubernetes timestamp into milliseconds since the epoch.
 *
 * client-node 2.x types timestamps as Date, and its list calls deserialize them into Dates,
 * but objects from watch events and custom resources keep the RFC 3339 strings. Both are
 * accepted. Returns undefined for a missing or unparsable value.
 */
export function parseTime(value: Date | string | undefined | null): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
