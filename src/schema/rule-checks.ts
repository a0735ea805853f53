// TypeScript equivalents of the CEL rules in the CRD schemas that do not read oldSelf, so the
// ajv validators enforce them too. The apiserver evaluates the CEL itself; the integration
// tests check that both agree on the cases they cover.

import { MAX_RESERVE_NAME_LENGTH, MAX_RESERVESET_NAME_LENGTH } from './constants.js';
import type { FieldErrorType } from './field-error.js';
import type { ValidationRule } from './openapi.js';
import { RESERVE_NAME_LENGTH } from './reserve.js';
import { RESERVESET_NAME_LENGTH } from './reserveset.js';
import { EPHEMERAL_CONTAINERS_FORBIDDEN, VOLUME_CLAIM_TEMPLATE_NAMES_UNIQUE } from './templates.js';

/** One place where a rule does not hold, relative to the field that carries the rule. */
export interface RuleViolation {
  subPath: (string | number)[];
  type: FieldErrorType;
}

type RuleCheck = (self: unknown) => RuleViolation[];

const checks = new Map<string, RuleCheck>([
  [RESERVE_NAME_LENGTH.rule, nameAtMost(MAX_RESERVE_NAME_LENGTH)],
  [RESERVESET_NAME_LENGTH.rule, nameAtMost(MAX_RESERVESET_NAME_LENGTH)],
  [VOLUME_CLAIM_TEMPLATE_NAMES_UNIQUE.rule, uniqueTemplateNames],
  [EPHEMERAL_CONTAINERS_FORBIDDEN.rule, (self) => (isEmptyList(self) ? [] : [{ subPath: [], type: 'Forbidden' }])],
]);

/** Returns the check of a rule, or throws when a stateless rule has none. */
export function ruleCheckFor(rule: ValidationRule): RuleCheck {
  const check = checks.get(rule.rule);
  if (check === undefined) {
    throw new Error(`CEL rule ${JSON.stringify(rule.rule)} has no TypeScript check: add one in rule-checks.ts`);
  }
  return check;
}

function nameAtMost(maxLength: number): RuleCheck {
  return (self) => {
    const name = (self as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    // CEL size() counts code points, as the spread does.
    if (typeof name !== 'string' || [...name].length <= maxLength) return [];
    return [{ subPath: ['metadata', 'name'], type: 'TooLong' }];
  };
}

function uniqueTemplateNames(self: unknown): RuleViolation[] {
  if (!Array.isArray(self)) return [];
  const seen = new Set<unknown>();
  const violations: RuleViolation[] = [];
  self.forEach((template: { metadata?: { name?: unknown } } | null, index) => {
    const name = template?.metadata?.name;
    if (seen.has(name)) violations.push({ subPath: [index, 'metadata', 'name'], type: 'Duplicate' });
    seen.add(name);
  });
  return violations;
}

function isEmptyList(self: unknown): boolean {
  return !Array.isArray(self) || self.length === 0;
}
