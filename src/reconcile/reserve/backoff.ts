// Backoff for replacing a Reserve's failed Pods. Without it, a Pod that fails at start would
// be recreated in a tight loop; with it, retries slow down like the kubelet's CrashLoopBackOff.

/** The recreate backoff and the point at which a Reserve is reported as failed. */
export interface FailureBackoff {
  /** Wait after the first failed Pod; doubles with each further consecutive failure. */
  initialDelayMs: number;
  /** Longest wait between a failure and the replacement Pod. */
  maxDelayMs: number;
  /**
   * Consecutive failed Pods at which the Reserve enters phase Failed with Stalled=True. The
   * controller keeps recreating the Pod at maxDelayMs; the first Ready Pod resets the count.
   */
  stallThreshold: number;
}

export const DEFAULT_FAILURE_BACKOFF: FailureBackoff = {
  initialDelayMs: 10_000,
  maxDelayMs: 5 * 60_000,
  stallThreshold: 5,
};

/** Returns the wait between failure number podFailures (counting from 1) and the next Pod. */
export function failureDelayMs(backoff: FailureBackoff, podFailures: number): number {
  if (podFailures <= 0) {
    return 0;
  }
  return Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** (podFailures - 1));
}

/**
 * Returns how long to wait before replacing a Pod that stopped at failedAtMs, 0 when it may be
 * replaced now. podFailures includes that Pod. A failure with an unknown time waits nothing.
 */
export function recreateDelayMs(
  backoff: FailureBackoff,
  podFailures: number,
  failedAtMs: number | undefined,
  nowMs: number,
): number {
  if (failedAtMs === undefined) {
    return 0;
  }
  return Math.max(0, failedAtMs + failureDelayMs(backoff, podFailures) - nowMs);
}

export function isStalledByFailures(backoff: FailureBackoff, podFailures: number): boolean {
  return podFailures >= backoff.stallThreshold;
}
