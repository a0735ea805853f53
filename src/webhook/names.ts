// Kubernetes name rules (RFC 1123), as k8s.io/apimachinery/pkg/util/validation checks them.

export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_PATTERN = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1123_SUBDOMAIN_PATTERN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

/** Lists what makes `value` an invalid DNS-1123 label (as Pod names and hostnames must be); empty when valid. */
export function dns1123LabelProblems(value: string, maxLength = DNS1123_LABEL_MAX_LENGTH): string[] {
  const problems: string[] = [];
  if (value.length > maxLength) {
    problems.push(`must be no more than ${maxLength} characters`);
  }
  if (!DNS1123_LABEL_PATTERN.test(value)) {
    problems.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
        "and must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc')",
    );
  }
  return problems;
}

/** Lists what makes `value` an invalid DNS-1123 subdomain (as PVC names must be); empty when valid. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) {
    problems.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX_LENGTH} characters`);
  }
  if (!DNS1123_SUBDOMAIN_PATTERN.test(value)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
        "and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return problems;
}

// Bounds the work of closestName, which is quadratic in name length, on hostile input.
const MAX_SUGGESTION_NAME_LENGTH = DNS1123_SUBDOMAIN_MAX_LENGTH;
const MAX_SUGGESTION_CANDIDATES = 1000;

/**
 * Returns the candidate closest to `name` by edit distance, when it is close enough to be a
 * likely typo: at most a third of the longer name's length, and at least 1. Only the first
 * 1000 candidates and names up to 253 characters are compared.
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > MAX_SUGGESTION_NAME_LENGTH) {
    return undefined;
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates.slice(0, MAX_SUGGESTION_CANDIDATES)) {
    if (candidate.length > MAX_SUGGESTION_NAME_LENGTH) {
      continue;
    }
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) {
    return undefined;
  }
  const allowed = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance: the fewest single-character insertions, deletions or substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
