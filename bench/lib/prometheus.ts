// Reading counters from the Prometheus text exposition format, as served on /metrics by the
// apiserver and by the operator's prom-client registry.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Returns every sample of the metric `name` in the exposition text. */
export function samplesOf(text: string, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const close = rest[0] === '{' ? rest.lastIndexOf('}') : 0;
    const labels: Record<string, string> = {};
    for (const match of rest.slice(0, close).matchAll(LABEL)) labels[match[1]!] = unescape(match[2]!);
    const value = Number(rest.slice(close + 1).trim().split(' ')[0]);
    if (Number.isFinite(value)) samples.push({ labels, value });
  }
  return samples;
}

/** Sums the samples of a counter grouped by the value of one label ('' when a sample lacks it). */
export function sumBy(samples: readonly Sample[], label: string, filter: (labels: Record<string, string>) => boolean = () => true): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const sample of samples) {
    if (!filter(sample.labels)) continue;
    const key = sample.labels[label] ?? '';
    sums[key] = (sums[key] ?? 0) + sample.value;
  }
  return sums;
}

/** Subtracts the counters `before` from `after`, key by key; keys missing before count as 0. */
export function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const delta = value - (before[key] ?? 0);
    if (delta !== 0) result[key] = delta;
  }
  return result;
}

export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, character: string) => (character === 'n' ? '\n' : character));
}
