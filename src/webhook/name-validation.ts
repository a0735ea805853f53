// Checks that the names reserve derives from an object's name stay within Kubernetes limits.
// The apiserver only checks a custom resource name as a DNS-1123 subdomain of up to 253
// characters, which is looser than what the derived Pod, volume and PVC names need.
import {
  MAX_RESERVE_NAME_LENGTH,
  MAX_RESERVESET_NAME_LENGTH,
  MEMBER_SUFFIX_LENGTH,
} from '../schema/constants.js';
import { invalid, type FieldError } from './field-errors.js';
import { dns1123LabelProblems, dns1123SubdomainProblems } from './names.js';
import { arrayAt, stringAt } from './object-access.js';

/** Checks a Reserve name, which is also the name and hostname of its Pod. */
export function validateReserveName(name: string): FieldError[] {
  const problems = dns1123LabelProblems(name, MAX_RESERVE_NAME_LENGTH);
  if (problems.length === 0) {
    return [];
  }
  return [invalid('metadata.name', name, `the Pod is named after the Reserve, so its name ${joinProblems(problems)}`)];
}

/** Checks a ReserveSet name, which must leave room for the `-<suffix>` of its members' names. */
export function validateReserveSetName(name: string): FieldError[] {
  const problems = dns1123LabelProblems(name, MAX_RESERVESET_NAME_LENGTH);
  if (problems.length === 0) {
    return [];
  }
  return [
    invalid(
      'metadata.name',
      name,
      `members are named <set>-<${MEMBER_SUFFIX_LENGTH} characters>, so the set name ${joinProblems(problems)}`,
    ),
  ];
}

/**
 * Checks the PVC name `<template>-<reserve>` derived from each volume claim template. For a
 * ReserveSet, `reserveName` is a member name with a placeholder suffix. The CRD schema keeps
 * template names DNS-1123 labels of at most 63 characters, so with a valid Reserve name this
 * only fails when the schema did not run.
 */
export function validateClaimNames(spec: unknown, reserveName: string): FieldError[] {
  if (reserveName === '') {
    return [];
  }
  const errors: FieldError[] = [];
  arrayAt(spec, 'volumeClaimTemplates').forEach((template, index) => {
    const name = stringAt(template, 'metadata', 'name');
    if (name === undefined || name === '') {
      return;
    }
    const claimName = `${name}-${reserveName}`;
    const problems = dns1123SubdomainProblems(claimName);
    if (problems.length > 0) {
      errors.push(
        invalid(
          `spec.volumeClaimTemplates[${index}].metadata.name`,
          name,
          `the PersistentVolumeClaim name "${claimName}" ${joinProblems(problems)}`,
        ),
      );
    }
  });
  return errors;
}

/** A member name of the longest form, `<set>-xxxxx`, to check the names derived from it. */
export function placeholderMemberName(setName: string): string {
  return setName === '' ? '' : `${setName}-${'x'.repeat(MEMBER_SUFFIX_LENGTH)}`;
}

function joinProblems(problems: readonly string[]): string {
  return problems.join(', and ');
}
