// Measurements, each beside the baseline measured in the same run, and their rendering as
// a table on stdout and as JSON under bench/results/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from '../../hack/cluster/cluster.js';

/** Direction in which a figure improves. */
export type Better = 'lower' | 'higher';

export interface Measure {
  /** Section of the benchmark, e.g. "pool fill". */
  suite: string;
  /** Description of reserve's figure, e.g. "ReserveSet of 100, all warm". */
  name: string;
  unit: string;
  value: number;
  /** Description of the baseline's figure, e.g. "ReplicaSet of 100, all Ready". */
  baselineName: string;
  baseline: number;
  better: Better;
}

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  kubernetes: string;
  /** 1, 5 and 15 minute load averages when the run started. */
  loadAverageAtStart: number[];
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  command: string;
  /** HEAD of the repository, and whether the work tree had uncommitted changes. */
  source: { commit: string; uncommittedChanges: boolean };
  machine: Machine;
  sizes: unknown;
  measures: Measure[];
  /** Raw counts and breakdowns behind the measures, per suite. */
  details: Record<string, unknown>;
  /** Suites that failed, with their error message. */
  failures: Record<string, string>;
}

export function describeMachine(kubernetesVersion: string): Machine {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cpuCount: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    kubernetes: kubernetesVersion,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Returns the commit the benchmark runs from, or "unknown" outside a git work tree. */
export function describeSource(): BenchReport['source'] {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), uncommittedChanges: git('status', '--porcelain') !== '' };
  } catch {
    return { commit: 'unknown', uncommittedChanges: false };
  }
}

/** Returns value / baseline, or NaN when the baseline is 0. */
export function ratio(measure: Measure): number {
  return measure.baseline === 0 ? Number.NaN : measure.value / measure.baseline;
}

/** Returns whether reserve did worse than the baseline on this measure. */
export function isWorse(measure: Measure): boolean {
  return measure.better === 'lower' ? measure.value > measure.baseline : measure.value < measure.baseline;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return value.toFixed(0);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** Renders the measures as a Markdown table, which reads as plain text on a terminal too. */
export function formatTable(measures: readonly Measure[]): string {
  const rows = measures.map((measure) => [
    measure.suite,
    measure.name,
    `${formatNumber(measure.value)} ${measure.unit}`,
    measure.baselineName,
    `${formatNumber(measure.baseline)} ${measure.unit}`,
    Number.isFinite(ratio(measure)) ? `${formatNumber(ratio(measure))}×` : '–',
    isWorse(measure) ? `worse (${measure.better} is better)` : '',
  ]);
  const header = ['suite', 'reserve', 'value', 'baseline', 'baseline value', 'ratio', ''];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Writes the report to bench/results/<date>.json (a suffix keeps earlier runs of the day) and returns the path. */
export function writeReport(report: BenchReport): string {
  const directory = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(directory, { recursive: true });
  const date = report.startedAt.slice(0, 10);
  let file = path.join(directory, `${date}.json`);
  for (let index = 2; existsSync(file); index++) file = path.join(directory, `${date}-${index}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

