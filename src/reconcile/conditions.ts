import type { Condition } from '../schema/types.js';
import { formatTime } from './clock.js';

/** The fields of a condition a controller decides; the rest are stamped by setCondition. */
export interface ConditionUpdate {
  type: string;
  status: Condition['status'];
  /** A PascalCase constant, such as PodReady. */
  reason: string;
  message: string;
}

/**
 * Returns a copy of conditions with update applied, stamped with observedGeneration.
 *
 * lastTransitionTime moves to nowMs only when the status changes or the condition is new;
 * a new reason or message alone keeps it. Other conditions and their order are kept, and a
 * new type is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  observedGeneration: number | undefined,
  nowMs: number,
): Condition[] {
  const existing = conditions ?? [];
  const previous = getCondition(existing, update.type);
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: update.message,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime:
      previous !== undefined && previous.status === update.status
        ? previous.lastTransitionTime
        : formatTime(nowMs),
  };
  if (previous === undefined) {
    return [...existing, next];
  }
  return existing.map((condition) => (condition.type === update.type ? next : condition));
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** Returns whether the condition of this type is present with status True. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}
